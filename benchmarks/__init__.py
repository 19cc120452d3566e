"""Speed figures (`make bench`): printed tables, never pass/fail."""
