"""Usage counters of each account, checked against its effective limits."""
