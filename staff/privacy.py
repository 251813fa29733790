"""Staff > Data protection: subject access exports, erasure, retention periods (issue 7)."""
