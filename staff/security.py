"""Staff > Security: a second factor (TOTP) for staff sign-in (issue 7)."""
