pytest_plugins = ["safewatch.core.testing.plugin"]
