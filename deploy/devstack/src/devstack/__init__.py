"""The local stack: preflight, databases, migrations, and the five apps plus a mail catcher as processes."""
