"""The load benchmark (`make bench`): never installed or routed by the production settings."""
