"""The demo world, planned before anything is sent: who exists, who follows whom, who posts
what, who likes and comments on what, the stories and the conversations.

Everything is derived from the scale and a fixed seed, so two runs plan the same world; the
seeder (seed.py) compares the plan with what the API already shows and creates only what is
missing. Each post's caption is unique per author, which is how a second run recognises it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from infra.demo.photos import PHOTOS

PASSWORD = "sunlit-harbour-77"  # noqa: S105 (every demo account's, printed for logging in)
EMAIL_DOMAIN = "demo.glimpse.test"


@dataclass(frozen=True)
class Scale:
    users: int = 30
    posts: int = 200
    private: int = 5  # accounts among `users` that are private
    comments_per_post: float = 0.7
    likes_per_post: float = 1.2
    follows_per_user: int = 3  # besides the celebrity, whom everyone follows
    stories: int = 10  # live stories (the first is a video)
    conversations: int = 8  # 1:1 conversations of a few messages each


FULL = Scale()
TINY = Scale(
    users=4, posts=6, private=1, comments_per_post=1, likes_per_post=2, follows_per_user=2,
    stories=2, conversations=1,
)  # fmt: skip

FIRST = [
    "maya",
    "ines",
    "theo",
    "sofia",
    "liam",
    "noor",
    "kai",
    "elena",
    "jonas",
    "amara",
    "lucas",
    "yuki",
    "omar",
    "clara",
    "felix",
    "zara",
    "hugo",
    "leila",
    "mateo",
    "ada",
    "ravi",
    "iris",
    "nils",
    "lena",
    "sami",
    "mila",
    "tariq",
    "ruby",
    "enzo",
]
LAST = [
    "okafor",
    "silva",
    "moreau",
    "rossi",
    "berg",
    "haddad",
    "tanaka",
    "novak",
    "lind",
    "mensah",
    "costa",
    "sato",
    "farah",
    "dubois",
    "weber",
    "khan",
    "ortiz",
    "nasser",
    "reyes",
    "lovelace",
    "iyer",
    "holm",
    "strand",
    "vogel",
    "amin",
    "petrov",
    "aziz",
    "hart",
    "ricci",
]
BIOS = (
    "Chasing light on weekends.",
    "Coffee first, then photos.",
    "Cats, skies and everything in between.",
    "Film at heart, phone in hand.",
    "Looking up since 1998.",
    "Textures, walls and small things.",
    "Mostly outside.",
    "Collector of old things and new views.",
)
CELEBRITY = ("nova.lux", "Nova Lux", "Photographer. Stars, rockets, coffee. Tour dates below.")
PLACES = (
    ("Lisbon Riverside", 38.7069, -9.1365),
    ("Kyoto Old Town", 34.9949, 135.7850),
    ("Cape Canaveral", 28.3922, -80.6077),
    ("Reykjavik Harbour", 64.1503, -21.9408),
    ("Marrakesh Medina", 31.6295, -7.9811),
    ("Brooklyn Bridge Park", 40.7003, -73.9967),
    ("Melbourne Laneways", -37.8162, 144.9640),
    ("Oslo Opera House", 59.9075, 10.7531),
)
OPENINGS = (
    "Golden hour did its thing",
    "Found this on the way home",
    "Can't stop looking at this",
    "A quiet moment",
    "Sunday mood",
    "Out with the camera again",
    "Details, details",
    "Not edited, promise",
    "This one's for the grid",
    "Throwback to last week",
)
COMMENTS = (
    "Wow, the colours!",
    "This is stunning",
    "Where is this?",
    "Love it",
    "Such a good eye",
    "Need this as a print",
    "The light here 😍",
    "Okay this is art",
    "Take me there",
    "🔥🔥🔥",
)
MESSAGES = (
    "Hey! Loved your last post",
    "Thank you!! It was such a good day",
    "Where did you take it?",
    "Near the old harbour, go early",
    "Coffee this week?",
    "Yes! Thursday?",
)


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    bio: str
    private: bool = False
    avatar: int = 0  # the picture index of the avatar

    @property
    def email(self) -> str:
        return f"{self.username}@{EMAIL_DOMAIN}"


@dataclass(frozen=True)
class Post:
    author: str
    picture: int
    caption: str  # unique per author: the seeded post's marker
    alt_text: str
    place: int | None  # an index into PLACES
    likers: tuple[str, ...]
    comments: tuple[tuple[str, str], ...]  # (author, text), each text unique on its post


@dataclass(frozen=True)
class Story:
    author: str
    picture: int
    video: bool = False
    close_friends: bool = False


@dataclass(frozen=True)
class Conversation:
    members: tuple[str, str]
    messages: tuple[tuple[str, str, str], ...]  # (sender, client_message_id, text)


@dataclass
class World:
    users: list[User] = field(default_factory=list)
    follows: list[tuple[str, str]] = field(default_factory=list)  # (follower, followed)
    posts: list[Post] = field(default_factory=list)
    stories: list[Story] = field(default_factory=list)
    conversations: list[Conversation] = field(default_factory=list)
    close_friends: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def celebrity(self) -> str:
        return self.users[0].username

    def user(self, username: str) -> User:
        return next(user for user in self.users if user.username == username)

    def can_see(self, viewer: str, author: str) -> bool:
        """Whether `viewer` may read `author`'s posts once the plan's follows are in."""
        return (
            viewer == author
            or not self.user(author).private
            or (viewer, author) in set(self.follows)
        )


def plan(scale: Scale = FULL, seed: int = 7) -> World:
    rng = random.Random(seed)
    world = World()
    name, display, bio = CELEBRITY
    world.users.append(User(name, display, bio, avatar=3))
    for n in range(scale.users - 1):
        first, last = FIRST[n % len(FIRST)], LAST[n % len(LAST)]
        world.users.append(
            User(
                f"{first}.{last}",
                f"{first.capitalize()} {last.capitalize()}",
                BIOS[n % len(BIOS)],
                private=n < scale.private,
                avatar=1000 + n,
            )
        )
    names = [user.username for user in world.users]
    for user in names[1:]:
        world.follows.append((user, world.celebrity))
        others = [other for other in names[1:] if other != user]
        for other in rng.sample(others, min(scale.follows_per_user, len(others))):
            world.follows.append((user, other))
    world.follows.append((world.celebrity, names[1]))  # the celebrity follows one account back
    world.posts = _posts(world, scale, rng)
    world.stories = [
        Story(names[n % len(names)], 2000 + n, video=n == 0, close_friends=n == 1)
        for n in range(scale.stories)
    ]
    world.close_friends = {names[1 % len(names)]: tuple(names[2:4])}
    world.conversations = _conversations(names, scale, rng)
    return world


def _posts(world: World, scale: Scale, rng: random.Random) -> list[Post]:
    """A tenth of the posts by the celebrity (at most 20: the posts budget is 25 an hour),
    the rest spread over everyone else."""
    names = [user.username for user in world.users]
    celebrity_posts = min(20, max(1, scale.posts // 10))
    authors = [world.celebrity] * celebrity_posts
    authors += [names[1 + n % (len(names) - 1)] for n in range(scale.posts - celebrity_posts)]
    posts, seen = [], set()
    for index, author in enumerate(authors):
        photo = PHOTOS[index % len(PHOTOS)]
        opening = OPENINGS[rng.randrange(len(OPENINGS))]
        caption = f"{opening} #{photo.tags[0]} #{photo.tags[1]}"
        while (author, caption) in seen:  # unique per author: the post's marker
            caption += f" #{rng.choice(('daily', 'glimpse', 'photooftheday', 'mood'))}"
        seen.add((author, caption))
        place = index % len(PLACES) if rng.random() < 0.6 else None
        viewers = [n for n in names if n != author and world.can_see(n, author)]
        likes = min(len(viewers), round(rng.expovariate(1 / scale.likes_per_post)))
        if author == world.celebrity:
            likes = min(len(viewers), rng.randint(4, 10))
        likers = tuple(rng.sample(viewers, likes))
        count = min(len(viewers), round(rng.expovariate(1 / scale.comments_per_post)))
        commenters = rng.sample(viewers, count)
        texts = rng.sample(COMMENTS, min(count, len(COMMENTS)))
        comments = tuple(zip(commenters, texts, strict=False))
        alt = f"{photo.subject.capitalize()}."
        posts.append(Post(author, index, caption, alt, place, likers, comments))
    return posts


def _conversations(names: list[str], scale: Scale, rng: random.Random) -> list[Conversation]:
    pairs: list[tuple[str, str]] = []
    people = names[1:]
    while len(pairs) < min(scale.conversations, len(people) * (len(people) - 1) // 2):
        a, b = sorted(rng.sample(people, 2))
        if (a, b) not in pairs:
            pairs.append((a, b))
    conversations = []
    for n, (a, b) in enumerate(pairs):
        lines = MESSAGES[: 2 + n % (len(MESSAGES) - 1)]
        messages = tuple(((a, b)[i % 2], f"demo-{a}-{b}-{i}", text) for i, text in enumerate(lines))
        conversations.append(Conversation((a, b), messages))
    return conversations
