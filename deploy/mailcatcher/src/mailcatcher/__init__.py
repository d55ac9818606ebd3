"""A local mail catcher: an SMTP server keeping messages in memory and a JSON API to read them."""
