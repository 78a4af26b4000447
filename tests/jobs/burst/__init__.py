"""A test-only app for the database-restart test: the job kind `test.burst` and settings that
install it (`DJANGO_SETTINGS_MODULE=tests.jobs.burst.settings` in the worker processes)."""
