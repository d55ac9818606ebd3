"""The gateway: the one public entry for the SPA."""
