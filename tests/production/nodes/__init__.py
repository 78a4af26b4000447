"""A test-only app for the multi-node test: the periodic job `test.tick` and settings that
install it (`DJANGO_SETTINGS_MODULE=tests.production.nodes.settings` in the worker processes)."""
