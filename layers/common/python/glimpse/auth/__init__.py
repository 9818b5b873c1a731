"""Accounts: sign-up, confirmation, login and token refresh through Cognito."""
