"""Applying a chunk's writes to the owner's current rows and tombstones, in memory (no database).

`Plan` starts from the rows and tombstones a chunk's writes can touch, applies the writes one by
one (their positions decide which write is the later one, not their arrival), and ends with the
rows to insert, update and delete, the tombstones to write, the counts and the feed entries.
The rules (docs/sync-protocol.md, "Identity"):

- a sample with a sync identifier matches the row with that identifier; it replaces it when its
  (sync version, earlier position) is higher, else it is `stale`;
- else a sample with a uuid matches the row with that uuid; the later position wins;
- else (no row) a sample with a uuid or sync identifier takes over the row without either that has
  its fingerprint (a backfill of the same measurement), or creates one;
- a sample without either is a `duplicate` of any row with its fingerprint, else it creates one;
- a deletion removes the row with its uuid when it is later than the row's content, and always
  leaves a tombstone; a write older than a tombstone that covers it is `stale`.
"""

from dataclasses import dataclass, field, replace

#: the row fields a write sets (content); position and bookkeeping are apart
CONTENT_FIELDS = (
    "type", "recognized", "value", "unit", "canonical_value", "canonical_unit", "start_at", "end_at",
    "start_offset", "end_offset", "time_zone", "source_name", "source_bundle_id", "device", "metadata",
    "healthkit_uuid", "sync_identifier", "sync_version", "workout_activity_type", "correlation_type",
    "correlation_id", "fingerprint",
)  # fmt: skip


@dataclass(slots=True)
class Row:
    """A sample row: `id` None until inserted; `content` keyed by CONTENT_FIELDS."""

    content: dict
    position: int
    id: int | None = None
    existed: bool = False  # in the database when the chunk started
    deleted: bool = False
    changed: bool = False  # content differs from what the database holds
    moved: bool = False  # position differs
    change_id: int | None = None  # its new feed id, when its content changed (healthkit.sync.feed)

    @property
    def uuid(self):
        return self.content["healthkit_uuid"]

    @property
    def sync(self):
        return self.content["sync_identifier"]

    @property
    def fingerprint(self):
        return self.content["fingerprint"]

    @property
    def anonymous(self) -> bool:
        return self.uuid is None and self.sync is None


@dataclass
class Tombstone:
    uuid: str
    position: int  # of the deletion
    sync_identifier: str | None = None
    sync_version: int | None = None
    content_position: int | None = None
    fingerprint: str = ""
    dirty: bool = False


@dataclass(slots=True)
class SampleWrite:
    content: dict  # CONTENT_FIELDS; the row it creates or replaces takes this dict (not a copy)
    position: int


@dataclass(slots=True)
class DeleteWrite:
    uuid: str
    position: int


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    duplicate: int = 0
    stale: int = 0
    deleted: int = 0


def _rank(version, position) -> tuple:
    """Sync order: the higher version wins; between equal versions the earlier write stays."""
    return (version, -position)


@dataclass
class Plan:
    rows: list[Row]
    tombstones: dict[str, Tombstone]
    counts: Counts = field(default_factory=Counts)

    def __post_init__(self) -> None:
        self._by_uuid = {row.uuid: row for row in self.rows if row.uuid}
        self._by_sync = {row.sync: row for row in self.rows if row.sync}
        self._by_fingerprint: dict[str, list[Row]] = {}
        for row in self.rows:
            self._by_fingerprint.setdefault(row.fingerprint, []).append(row)
        self.removed_tombstones: set[str] = set()

    # --- indexes -----------------------------------------------------------------------------

    def _index(self, row: Row) -> None:
        if row.uuid:
            self._by_uuid[row.uuid] = row
        if row.sync:
            self._by_sync[row.sync] = row
        self._by_fingerprint.setdefault(row.fingerprint, []).append(row)

    def _unindex(self, row: Row) -> None:
        if row.uuid and self._by_uuid.get(row.uuid) is row:
            del self._by_uuid[row.uuid]
        if row.sync and self._by_sync.get(row.sync) is row:
            del self._by_sync[row.sync]
        fellows = self._by_fingerprint.get(row.fingerprint, [])
        if row in fellows:
            fellows.remove(row)

    def _live(self, rows) -> list[Row]:
        return [row for row in rows if not row.deleted]

    # --- writes ------------------------------------------------------------------------------

    def apply(self, write: SampleWrite | DeleteWrite) -> None:
        if isinstance(write, DeleteWrite):
            self._delete(write)
        else:
            self._upsert(write)

    def _upsert(self, write: SampleWrite) -> None:
        content = write.content
        sync, uuid = content["sync_identifier"], content["healthkit_uuid"]
        if self._stale_by_tombstone(write):
            self.counts.stale += 1
            return
        row = self._by_sync.get(sync) if sync else None
        if row is not None:
            wins = _rank(content["sync_version"], write.position) > _rank(row.content["sync_version"], row.position)
            return self._replace_or_keep(row, write, wins=wins)
        row = self._by_uuid.get(uuid) if uuid else None
        if row is not None:
            return self._replace_or_keep(row, write, wins=write.position > row.position)
        if sync or uuid:
            backfill = next((r for r in self._live(self._by_fingerprint.get(content["fingerprint"], [])) if r.anonymous), None)
            if backfill is not None:
                return self._replace_or_keep(backfill, write, wins=True)
            return self._create(write)
        return self._anonymous_upsert(write)

    def _anonymous_upsert(self, write: SampleWrite) -> None:
        fellows = self._by_fingerprint.get(write.content["fingerprint"])
        fellows = self._live(fellows) if fellows else fellows
        if not fellows:
            return self._create(write)
        row = next((r for r in fellows if r.anonymous), None)
        if row is not None and write.position < row.position:
            return self._replace_or_keep(row, write, wins=True)  # the earliest copy of a measurement stays
        if row is not None and write.content["correlation_type"] and not row.content["correlation_type"]:
            return self._pairing_add(row, write)
        self.counts.duplicate += 1

    def _pairing_add(self, row: Row, write: SampleWrite) -> None:
        """An export lists a correlation's members twice (alone and inside it): the pairing is kept."""
        for name in ("correlation_type", "correlation_id"):
            row.content[name] = write.content[name]
        row.changed = True
        self.counts.updated += 1

    def _stale_by_tombstone(self, write: SampleWrite) -> bool:
        if not self.tombstones:
            return False
        content = write.content
        uuid, sync = content["healthkit_uuid"], content["sync_identifier"]
        if uuid and uuid in self.tombstones and self.tombstones[uuid].position > write.position:
            return True
        for tombstone in self.tombstones.values():
            if tombstone.position <= write.position:
                continue
            if sync and tombstone.sync_identifier == sync and _rank(content["sync_version"], write.position) <= _rank(
                tombstone.sync_version, tombstone.content_position
            ):
                return True
            if not uuid and not sync and tombstone.fingerprint == content["fingerprint"]:
                return True
        return False

    def _replace_or_keep(self, row: Row, write: SampleWrite, *, wins: bool) -> None:
        same = all(row.content[name] == write.content[name] for name in CONTENT_FIELDS)
        if not wins:
            if same:
                self.counts.duplicate += 1
            else:
                self.counts.stale += 1
            return
        if same:
            self.counts.duplicate += 1
        else:
            self.counts.updated += 1
        self._unindex(row)
        self._evict_holders(write.content, keep=row)
        row.content = write.content
        row.changed = row.changed or not same
        row.moved = row.moved or row.position != write.position
        row.position = write.position
        self._index(row)
        self._tombstone_forget(row.uuid)

    def _evict_holders(self, content: dict, *, keep: Row) -> None:
        """Another row holding the uuid or sync identifier a write gives `keep` is merged into it."""
        for holder in (self._by_uuid.get(content["healthkit_uuid"]), self._by_sync.get(content["sync_identifier"])):
            if holder is not None and holder is not keep and not holder.deleted:
                self._unindex(holder)
                holder.deleted = True

    def _create(self, write: SampleWrite) -> None:
        self._evict_holders(write.content, keep=None)
        row = Row(content=write.content, position=write.position, changed=True)
        self.rows.append(row)
        self._index(row)
        self._tombstone_forget(row.uuid)
        self.counts.created += 1

    def _tombstone_forget(self, uuid) -> None:
        if uuid and uuid in self.tombstones:
            del self.tombstones[uuid]
            self.removed_tombstones.add(uuid)

    def _delete(self, write: DeleteWrite) -> None:
        row = self._by_uuid.get(write.uuid)
        if row is not None and row.position > write.position:
            self.counts.stale += 1
            return
        existing = self.tombstones.get(write.uuid)
        if row is None:
            if existing is not None and existing.position >= write.position:
                self.counts.duplicate += 1
                return
            self.tombstones[write.uuid] = (
                replace(existing, position=write.position, dirty=True)
                if existing
                else Tombstone(uuid=write.uuid, position=write.position, dirty=True)
            )
            self.removed_tombstones.discard(write.uuid)
            self.counts.duplicate += 1
            return
        self._unindex(row)
        row.deleted = True
        self.tombstones[write.uuid] = Tombstone(
            uuid=write.uuid,
            position=write.position,
            sync_identifier=row.sync,
            sync_version=row.content["sync_version"],
            content_position=row.position,
            fingerprint=row.fingerprint,
            dirty=True,
        )
        self.removed_tombstones.discard(write.uuid)
        self.counts.deleted += 1
