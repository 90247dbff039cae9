"""API shapes: query filters in, batches and samples out (also the OpenAPI schema).

Import bodies are validated by healthkit.validation (per-sample errors); the request
serializers here only document that body in the schema.
"""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from healthkit import errors
from healthkit.healthkit_types import sample_kind
from healthkit.sync.snapshot import sample_snapshot
from healthkit.validation import datetime_out_of_range, datetime_parse


class ErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(required=False, help_text="the sample's position; absent for request errors")
    field = serializers.CharField(required=False)
    message = serializers.CharField()


class ErrorsSerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True)


class SampleInSerializer(serializers.Serializer):
    """One sample as the iOS client sends it (validated by healthkit.validation)."""

    type = serializers.CharField(
        help_text="HKQuantityTypeIdentifier…, HKCategoryTypeIdentifier… or HKWorkoutTypeIdentifier"
    )
    value = serializers.FloatField(help_text="finite; the category's integer; a workout's duration")
    unit = serializers.CharField(required=False, help_text="required for quantity types, absent for category types")
    start = serializers.CharField(help_text="ISO-8601 with an offset or Z")
    end = serializers.CharField(help_text="ISO-8601 with an offset or Z, >= start")
    source_name = serializers.CharField()
    source_bundle_id = serializers.CharField(required=False)
    uuid = serializers.UUIDField(required=False)
    correlation = serializers.DictField(required=False, help_text='{"type": "HKCorrelationTypeIdentifier…", "id"}')
    device = serializers.CharField(required=False)
    metadata = serializers.DictField(required=False)
    workout_activity_type = serializers.CharField(required=False, help_text="HKWorkoutActivityType…, workouts only")


class DeletionInSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(help_text="an HKDeletedObject's uuid")


class ImportRequestSerializer(serializers.Serializer):
    samples = SampleInSerializer(many=True, required=False)
    deleted = DeletionInSerializer(many=True, required=False, help_text="applied after the samples of the request")


class ImportCreatedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    status_url = serializers.SerializerMethodField()
    chunks = serializers.IntegerField(source="chunks_total")
    samples = serializers.IntegerField(source="records_received")

    @extend_schema_field(OpenApiTypes.URI)
    def get_status_url(self, batch) -> str:
        return self.context["request"].build_absolute_uri(reverse("import-detail", kwargs={"batch_id": batch.id}))


class ChunkErrorSerializer(serializers.Serializer):
    chunk = serializers.IntegerField()
    attempts = serializers.IntegerField()
    message = serializers.CharField()


class ImportStatusSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    chunks_total = serializers.IntegerField()
    chunks_succeeded = serializers.IntegerField()
    chunks_failed = serializers.IntegerField()
    records_received = serializers.IntegerField()
    records_created = serializers.IntegerField()
    records_duplicate = serializers.IntegerField()
    records_updated = serializers.IntegerField(help_text="stored samples a newer write replaced")
    records_stale = serializers.IntegerField(help_text="writes older than what is stored (a lower sync version...)")
    records_deleted = serializers.IntegerField(help_text="stored samples a deletion removed")
    progress = serializers.FloatField(help_text="fraction of chunks that have ended, 0 to 1")
    sealed = serializers.BooleanField(
        help_text="false while chunks are still being added (an export being read): progress may reach 1 before the end"
    )
    chunks_queued = serializers.IntegerField(help_text="chunks waiting for an attempt")
    chunks_processing = serializers.IntegerField(help_text="chunks whose attempt runs (or was cut short)")
    chunks_stalled = serializers.IntegerField(
        help_text="waiting or processing chunks with no news past the sweeper's window: their message is sent again"
    )
    errors = ChunkErrorSerializer(many=True)


class SampleOutSerializer(serializers.Serializer):
    """A stored sample as readers see it (healthkit.sync.snapshot)."""

    id = serializers.IntegerField()
    type = serializers.CharField()
    recognized = serializers.BooleanField(help_text="false: a HealthKit identifier this server does not know")
    value = serializers.FloatField(help_text="as sent")
    unit = serializers.CharField(help_text="as sent")
    canonical_value = serializers.FloatField(help_text="in canonical_unit")
    canonical_unit = serializers.CharField(help_text="the type's canonical HealthKit unit")
    start = serializers.CharField(help_text="ISO-8601 with the offset it was sent with")
    end = serializers.CharField()
    start_offset = serializers.IntegerField(allow_null=True, help_text="seconds east of UTC; null when unknown")
    end_offset = serializers.IntegerField(allow_null=True)
    time_zone = serializers.CharField(help_text="metadata HKTimeZone, when sent")
    source_name = serializers.CharField()
    source_bundle_id = serializers.CharField()
    device = serializers.CharField()
    metadata = serializers.DictField()
    uuid = serializers.UUIDField(allow_null=True)
    sync_identifier = serializers.CharField(allow_null=True)
    sync_version = serializers.IntegerField(allow_null=True)
    workout_activity_type = serializers.CharField()
    correlation = serializers.DictField(allow_null=True)
    updated_at = serializers.DateTimeField()

    def to_representation(self, instance) -> dict:
        return sample_snapshot(instance)


class SamplePageSerializer(serializers.Serializer):
    """One page of GET /api/v1/samples (cursor pagination)."""

    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SampleOutSerializer(many=True)


class SampleFilterSerializer(serializers.Serializer):
    type = serializers.CharField(required=False)
    start = serializers.CharField(required=False, help_text="ISO-8601 with an offset or Z")
    end = serializers.CharField(required=False, help_text="ISO-8601 with an offset or Z")
    updated_since = serializers.CharField(required=False, help_text="samples stored or changed at or after this instant")

    def validate_type(self, value: str) -> str:
        if sample_kind(value) is None:
            raise serializers.ValidationError(errors.TYPE_UNKNOWN.format(value=value))
        return value

    def _datetime(self, value: str):
        # An unencoded "+" in a query string arrives as a space: "...T00:00:00 01:00".
        value = value.replace(" ", "+")
        parsed = datetime_parse(value)
        if parsed is None:
            out_of_range = datetime_out_of_range(value)
            raise serializers.ValidationError(
                errors.DATETIME_OUT_OF_RANGE if out_of_range else errors.QUERY_DATETIME_INVALID
            )
        return parsed

    validate_start = _datetime
    validate_end = _datetime
    validate_updated_since = _datetime

    def validate(self, attrs: dict) -> dict:
        start, end = attrs.get("start"), attrs.get("end")
        if start and end and start > end:
            raise serializers.ValidationError(
                errors.QUERY_RANGE_INVALID.format(start=start.isoformat(), end=end.isoformat())
            )
        return attrs
