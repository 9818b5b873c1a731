"""Every API operation's `operationId`: the one table, applied by `infra.openapi`.

Generated clients name their functions after these (`getFeed`, `createPost`, `likePost`), so
they are part of the contract: camelCase, verb then noun, unique, and never renamed lightly (a
rename breaks every generated client). A route added to template.yaml needs a row here:
`python -m infra.openapi --write` refuses to write a document with an operation missing
(tests/unit/test_operation_ids.py holds the rules).
"""

from __future__ import annotations

import re

PATTERN = re.compile(r"^[a-z][A-Za-z0-9]+$")

OPERATION_IDS: dict[tuple[str, str], str] = {
    ("POST", "/auth/confirm"): "confirmSignUp",
    ("POST", "/auth/forgot-password"): "forgotPassword",
    ("POST", "/auth/resend-code"): "resendCode",
    ("POST", "/auth/login"): "logIn",
    ("POST", "/auth/login/totp"): "logInWithTotp",
    ("POST", "/auth/logout"): "logOut",
    ("POST", "/auth/refresh"): "refreshTokens",
    ("POST", "/auth/reset-password"): "resetPassword",
    ("POST", "/auth/signup"): "signUp",
    ("GET", "/conversations"): "listConversations",
    ("POST", "/conversations"): "createConversation",
    ("GET", "/conversations/{conversation_id}"): "getConversation",
    ("POST", "/conversations/{conversation_id}/accept"): "acceptConversation",
    ("GET", "/conversations/{conversation_id}/messages"): "listMessages",
    ("POST", "/conversations/{conversation_id}/messages"): "sendMessage",
    ("DELETE", "/conversations/{conversation_id}/messages/{message_id}"): "unsendMessage",
    ("DELETE", "/conversations/{conversation_id}/messages/{message_id}/reaction"): (
        "unreactToMessage"
    ),
    ("PUT", "/conversations/{conversation_id}/messages/{message_id}/reaction"): "reactToMessage",
    ("POST", "/conversations/{conversation_id}/read"): "markConversationRead",
    ("GET", "/asyncapi.json"): "getAsyncApi",
    ("GET", "/docs"): "getDocs",
    ("GET", "/explore"): "getExplore",
    ("GET", "/feed"): "getFeed",
    ("GET", "/hashtags/{tag}/posts"): "listHashtagPosts",
    ("GET", "/health"): "getHealth",
    ("POST", "/highlights"): "createHighlight",
    ("DELETE", "/highlights/{highlight_id}"): "deleteHighlight",
    ("PATCH", "/highlights/{highlight_id}"): "updateHighlight",
    ("DELETE", "/me"): "deleteAccount",
    ("GET", "/me"): "getMe",
    ("PATCH", "/me"): "updateMe",
    ("GET", "/me/badges"): "getBadges",
    ("GET", "/me/blocked"): "listBlocked",
    ("GET", "/me/close-friends"): "listCloseFriends",
    ("PUT", "/me/close-friends"): "setCloseFriends",
    ("GET", "/me/collections"): "listCollections",
    ("POST", "/me/collections"): "createCollection",
    ("DELETE", "/me/collections/{collection_id}"): "deleteCollection",
    ("DELETE", "/me/devices"): "unregisterDevice",
    ("POST", "/me/devices"): "registerDevice",
    ("POST", "/me/exports"): "requestExport",
    ("GET", "/me/exports/{export_id}"): "getExport",
    ("GET", "/me/follow-requests"): "listFollowRequests",
    ("POST", "/me/follow-requests/{username}/approve"): "approveFollowRequest",
    ("POST", "/me/follow-requests/{username}/deny"): "denyFollowRequest",
    ("DELETE", "/me/followers/{username}"): "removeFollower",
    ("GET", "/me/hidden-words"): "getHiddenWords",
    ("GET", "/me/insights"): "getAccountInsights",
    ("PUT", "/me/hidden-words"): "setHiddenWords",
    ("GET", "/me/muted"): "listMuted",
    ("GET", "/me/notification-settings"): "getNotificationSettings",
    ("PUT", "/me/notification-settings"): "updateNotificationSettings",
    ("POST", "/me/password"): "changePassword",
    ("POST", "/me/restore"): "restoreAccount",
    ("GET", "/me/saved"): "listSaved",
    ("DELETE", "/me/totp"): "disableTotp",
    ("POST", "/me/totp"): "enrolTotp",
    ("POST", "/me/totp/verify"): "verifyTotp",
    ("POST", "/media"): "createMedia",
    ("GET", "/media/filters"): "listFilters",
    ("DELETE", "/media/{media_id}"): "deleteMedia",
    ("GET", "/media/{media_id}"): "getMedia",
    ("POST", "/moderation/actions"): "takeModerationAction",
    ("GET", "/moderation/log"): "getModerationLog",
    ("GET", "/moderation/queue"): "getModerationQueue",
    ("GET", "/notifications"): "listNotifications",
    ("POST", "/notifications/read"): "markNotificationsRead",
    ("GET", "/openapi.json"): "getOpenApi",
    ("POST", "/places"): "createPlace",
    ("GET", "/places/{place_id}"): "getPlace",
    ("GET", "/places/{place_id}/posts"): "listPlacePosts",
    ("POST", "/posts"): "createPost",
    ("DELETE", "/posts/{post_id}"): "deletePost",
    ("GET", "/posts/{post_id}"): "getPost",
    ("PATCH", "/posts/{post_id}"): "editPost",
    ("GET", "/posts/{post_id}/insights"): "getPostInsights",
    ("GET", "/posts/{post_id}/comments"): "listComments",
    ("POST", "/posts/{post_id}/comments"): "addComment",
    ("DELETE", "/posts/{post_id}/comments/{comment_id}"): "deleteComment",
    ("DELETE", "/posts/{post_id}/comments/{comment_id}/like"): "unlikeComment",
    ("POST", "/posts/{post_id}/comments/{comment_id}/like"): "likeComment",
    ("GET", "/posts/{post_id}/comments/{comment_id}/replies"): "listReplies",
    ("DELETE", "/posts/{post_id}/like"): "unlikePost",
    ("POST", "/posts/{post_id}/like"): "likePost",
    ("GET", "/posts/{post_id}/likes"): "listLikers",
    ("DELETE", "/posts/{post_id}/save"): "unsavePost",
    ("POST", "/posts/{post_id}/save"): "savePost",
    ("DELETE", "/posts/{post_id}/tags/me"): "removeMyTag",
    ("POST", "/reports"): "createReport",
    ("GET", "/search"): "search",
    ("POST", "/stories"): "createStory",
    ("GET", "/stories/tray"): "getStoryTray",
    ("DELETE", "/stories/{story_id}"): "deleteStory",
    ("GET", "/stories/{story_id}"): "getStory",
    ("DELETE", "/stories/{story_id}/like"): "unlikeStory",
    ("POST", "/stories/{story_id}/like"): "likeStory",
    ("POST", "/stories/{story_id}/reply"): "replyToStory",
    ("POST", "/stories/{story_id}/view"): "viewStory",
    ("GET", "/stories/{story_id}/viewers"): "listStoryViewers",
    ("POST", "/stories/{story_id}/stickers/{sticker_id}/vote"): "voteOnStorySticker",
    ("POST", "/stories/{story_id}/stickers/{sticker_id}/answer"): "answerStorySticker",
    ("GET", "/stories/{story_id}/stickers/{sticker_id}/answers"): "listStoryStickerAnswers",
    ("GET", "/stories/{story_id}/insights"): "getStoryInsights",
    ("GET", "/users/{username}"): "getUserProfile",
    ("DELETE", "/users/{username}/block"): "unblockUser",
    ("POST", "/users/{username}/block"): "blockUser",
    ("DELETE", "/users/{username}/follow"): "unfollowUser",
    ("POST", "/users/{username}/follow"): "followUser",
    ("GET", "/users/{username}/followers"): "listFollowers",
    ("GET", "/users/{username}/following"): "listFollowing",
    ("GET", "/users/{username}/highlights"): "listHighlights",
    ("DELETE", "/users/{username}/mute"): "unmuteUser",
    ("POST", "/users/{username}/mute"): "muteUser",
    ("GET", "/users/{username}/posts"): "listUserPosts",
    ("GET", "/users/{username}/stories"): "listUserStories",
    ("GET", "/users/{username}/tagged"): "listTaggedPosts",
}


class MissingOperationId(Exception):
    """A route with no row in OPERATION_IDS."""


def operation_id(method: str, path: str) -> str:
    try:
        return OPERATION_IDS[(method.upper(), path)]
    except KeyError:
        raise MissingOperationId(
            f"{method.upper()} {path} has no operationId: add a row to infra/operation_ids.py"
        ) from None
