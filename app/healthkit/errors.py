"""The application's one error type, and every message text (tests assert on these)."""


class ApplicationError(Exception):
    """A request or an operation that cannot proceed; `errors` is what the API answers."""

    def __init__(self, message: str, *, errors: list[dict] | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors if errors is not None else [{"message": message}]
        self.status = status


# --- request-level (no sample index) ---
INVALID_IMPORT = "the import request is invalid"
MALFORMED_JSON = "malformed JSON: {reason}"
BODY_NOT_OBJECT = "the body must be a JSON object"
UNKNOWN_TOP_LEVEL_FIELD = "unknown field (the body holds `samples` and `deleted`)"
SAMPLES_MISSING = "`samples` or `deleted` is required"
SAMPLES_NOT_LIST = "must be a list of samples"
SAMPLES_EMPTY = "must contain at least one sample or deletion"
DELETED_NOT_LIST = "must be a list of {\"uuid\": ...} objects"
DELETION_INVALID = "each deletion must be {\"uuid\": \"<a UUID>\"}"
TOO_MANY_SAMPLES = "too many samples and deletions: {count} (at most {limit} per request)"
NOTHING_VALID = "no sample of the request is valid (on_invalid=skip imports the valid ones)"
ON_INVALID_INVALID = "must be `reject` (the default) or `skip`"
BODY_TOO_LARGE = "the request body is larger than {limit} bytes"
IDEMPOTENCY_KEY_INVALID = (
    "must be 1 to {limit} characters from A-Z a-z 0-9 and - _ . : ~ + / = (optionally in double quotes)"
)
IDEMPOTENCY_KEY_REUSED = (
    "this Idempotency-Key was already used with a different request body; use a new key for a new request"
)
IDEMPOTENCY_KEY_IN_FLIGHT = "a request with this Idempotency-Key is still being processed; retry later"
CONTENT_TYPE_UNSUPPORTED = "must be application/json (UTF-8), not {content_type}"
BODY_NOT_UTF8 = "the body must be UTF-8 encoded JSON (invalid byte at position {position})"
BODY_TOO_DEEP = "the JSON body is nested too deeply"
DUPLICATE_FIELD = "appears more than once in the same JSON object"

# --- per sample ---
SAMPLE_NOT_OBJECT = "each sample must be a JSON object"
FIELD_REQUIRED = "this field is required"
FIELD_UNKNOWN = "unknown field"
STRING_REQUIRED = "must be a non-empty string"
STRING_TOO_LONG = "must be at most {limit} characters"
TYPE_UNKNOWN = "not a HealthKit sample type identifier: {value!r}"
TYPE_CORRELATION = "a correlation is sent as its members, each with `correlation`: {{\"type\", \"id\"}}"
UNIT_INCOMPATIBLE = "{unit!r} is not a unit of {type}: {reason}; accepted: units of the same dimension as {accepted}"
CATEGORY_VALUE_INVALID = "{type} takes one of {allowed}"
TIME_ZONE_INVALID = "must be an IANA time zone name, e.g. Europe/Amsterdam"
SYNC_IDENTIFIER_INVALID = "HKMetadataKeySyncIdentifier must be a non-empty string of at most 255 characters, with HKMetadataKeySyncVersion"
SYNC_VERSION_INVALID = "HKMetadataKeySyncVersion must be an integer >= 0 when HKMetadataKeySyncIdentifier is given"
CORRELATION_SHAPE = "must be {\"type\": \"HKCorrelationTypeIdentifier…\", \"id\": \"...\"}"
CORRELATION_TYPE_UNKNOWN = "unknown correlation type: {value!r}"
CORRELATION_MEMBER_INVALID = "{correlation} pairs only {members}"
VALUE_NOT_NUMBER = "must be a finite number, not {kind}"
VALUE_NOT_INTEGER = "must be the category's integer value"
VALUE_NEGATIVE = "a workout's duration cannot be negative"
DATETIME_INVALID = "must be an ISO-8601 date-time with an offset or Z, e.g. 2024-03-10T01:30:00-08:00"
DATETIME_NAIVE = "must carry an offset or Z (naive date-times are ambiguous)"
DATETIME_OUT_OF_RANGE = "is outside years 1 to 9999 once converted to UTC"
END_BEFORE_START = "end ({end}) is before start ({start})"
UNIT_REQUIRED = "is required for quantity types"
UNIT_FORBIDDEN = "must be absent for category types"
WORKOUT_ACTIVITY_REQUIRED = "is required for workouts"
WORKOUT_ACTIVITY_UNKNOWN = "unknown workout activity type: {value!r}"
WORKOUT_ACTIVITY_FORBIDDEN = "only workouts (HKWorkoutTypeIdentifier) have a workout activity type"
UUID_INVALID = "must be a UUID"
METADATA_NOT_OBJECT = "must be a JSON object"
METADATA_TOO_MANY_KEYS = "has {count} keys (at most {limit})"
METADATA_TOO_LARGE = "is {size} bytes as JSON (at most {limit})"
TOO_MANY_ERRORS = "more errors not shown (at most {limit} are listed)"
FIELD_NAME_UNSTORABLE = "a field name holds a NUL character or a lone UTF-16 surrogate"

# --- what PostgreSQL cannot store (healthkit.storable) ---
UNSTORABLE_AT = "{problem} at {path}"
NUL_CHARACTER = "a NUL character (\\u0000) cannot be stored"
LONE_SURROGATE = "a lone UTF-16 surrogate is not a character and cannot be stored"
NON_FINITE_NUMBER = "{text} is not a finite number"
NESTED_TOO_DEEP = "values nest more than {limit} levels deep"
DUPLICATE_KEY_AT = "the key {key!r} appears more than once at {path}"

# --- sample queries ---
QUERY_DATETIME_INVALID = "must be an ISO-8601 date-time with an offset or Z"
QUERY_RANGE_INVALID = "`start` ({start}) is after `end` ({end})"
QUERY_PARAMETER_UNKNOWN = "unknown query parameter"
CURSOR_INVALID = "not a cursor this API gave"
LIMIT_INVALID = "must be an integer from 1 to {limit}"

# --- chunk processing ---
CHUNK_PAYLOAD_INVALID = "chunk payload is invalid at sample {index}: {field}: {message}"
CHUNK_ATTEMPTS_EXHAUSTED = "gave up after {attempts} attempts: {error}"
CHUNK_STUCK = (
    "no attempt ended: the chunk stayed {status} since {since} "
    "(an attempt lost to a crash, a time limit or a database outage)"
)
BATCH_NOT_COMPLETE = "cannot finalize batch {batch_id}: {ended} of {total} chunks have ended"
BATCH_ALREADY_FINAL = "cannot finalize batch {batch_id}: status is {status}"

#: example units named in unit errors, by canonical unit (the whole dimension is accepted)
UNIT_EXAMPLES = {
    "count/s": "count/s (count/min, bpm, Hz)",
    "count/min": "count/min (count/s, bpm, Hz)",
    "kcal": "kcal (Cal, kJ, J, cal)",
    "m": "m (km, cm, mi, ft, in, yd)",
    "kg": "kg (g, lb, oz, st)",
    "g": "g (mg, mcg, kg, oz, lb)",
    "count": "count",
    "%": "% (a fraction, 0.0 to 1.0)",
    "degC": "degC (degF, K)",
    "min": "min (s, hr, d, ms)",
    "s": "s (min, hr, d, ms)",
    "mg/dL": "mg/dL (mmol<180.15588>/L, g/L)",
}

# --- exports (healthkit.services.exports): the export's `error` ---
EXPORT_REQUEST_INVALID = "the export request is invalid"
EXPORT_CONTENT_TYPE = "must be one of {allowed}"
EXPORT_NOT_AWAITING = "the export is {status}: only an export awaiting its upload can be completed"
EXPORTS_OPEN_LIMIT = (
    "{open} exports are already open (awaiting their upload or being read), the most one user may hold at once; "
    "upload and complete them, or wait until they end or their upload links expire"
)
EXPORT_NOT_CONFIGURED = "exports are not configured on this server (HEALTHKIT_EXPORTS_BUCKET is empty)"
EXPORT_NOT_UPLOADED = "no uploaded file was found for this export; upload it with the presigned POST, then complete"
EXPORT_REPLACED = "the uploaded file was replaced while it was read (a new upload to the same export); create a new export for it"
EXPORT_TOO_LARGE = "the uploaded file is {size} bytes, over the limit of {limit} bytes"
EXPORT_NO_XML = "the zip holds no export.xml (the Health app writes {member})"
EXPORT_ZIP_INVALID = "the file is not a readable zip: {reason}"
EXPORT_ZIP_BOMB = "export.xml inflates past {limit} bytes (the cap on its size and on its compression ratio): refused as a zip bomb"
EXPORT_XML_ENTITIES = "export.xml declares entities, which are refused (an XML bomb such as billion laughs): {reason}"
EXPORT_XML_ELEMENT_TOO_LARGE = "export.xml's element {index} under <HealthData> holds more than {limit} elements: refused (no export writes one)"
EXPORT_XML_TOKEN_TOO_LARGE = "export.xml holds a single attribute or text over {limit} bytes: refused (no export writes one)"
EXPORT_XML_MALFORMED = "export.xml is not well-formed XML: {reason}"
EXPORT_TOO_MANY_SAMPLES = "the export holds more than {limit} samples (the most one batch numbers)"
EXPORT_ATTEMPTS_EXHAUSTED = "reading stopped after {attempts} attempts (a worker lost each time): {error}"
EXPORT_PARTIAL = "; the {samples} samples read before it ({chunks} chunks) were imported and are counted on the batch"
