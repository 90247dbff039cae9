"""Sync semantics: identity, positions, tombstones and the changes feed (docs/sync-protocol.md)."""
