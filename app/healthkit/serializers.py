"""API shapes: query filters in, batches and samples out (also the OpenAPI schema).

Import bodies are validated by healthkit.validation (per-sample errors); the request
serializers here only document that body in the schema.
"""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from healthkit import errors
from healthkit.healthkit_types import known_type_identifiers
from healthkit.models import HealthSample
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
    source_bundle_id = serializers.CharField()
    uuid = serializers.UUIDField(required=False)
    device = serializers.CharField(required=False)
    metadata = serializers.DictField(required=False)
    workout_activity_type = serializers.CharField(required=False, help_text="HKWorkoutActivityType…, workouts only")


class ImportRequestSerializer(serializers.Serializer):
    samples = SampleInSerializer(many=True)


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
    progress = serializers.FloatField(help_text="fraction of chunks that have ended, 0 to 1")
    chunks_queued = serializers.IntegerField(help_text="chunks waiting for an attempt")
    chunks_processing = serializers.IntegerField(help_text="chunks whose attempt runs (or was cut short)")
    chunks_stalled = serializers.IntegerField(
        help_text="waiting or processing chunks with no news past the sweeper's window: their message is sent again"
    )
    errors = ChunkErrorSerializer(many=True)


class SampleOutSerializer(serializers.ModelSerializer):
    start = serializers.DateTimeField(source="start_at")
    end = serializers.DateTimeField(source="end_at")
    uuid = serializers.UUIDField(source="healthkit_uuid")

    class Meta:
        model = HealthSample
        fields = (
            "id",
            "type",
            "value",
            "unit",
            "start",
            "end",
            "source_name",
            "source_bundle_id",
            "device",
            "metadata",
            "uuid",
            "workout_activity_type",
        )


class SamplePageSerializer(serializers.Serializer):
    """One page of GET /api/v1/samples (cursor pagination)."""

    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SampleOutSerializer(many=True)


class SampleFilterSerializer(serializers.Serializer):
    type = serializers.CharField(required=False)
    start = serializers.CharField(required=False, help_text="ISO-8601 with an offset or Z")
    end = serializers.CharField(required=False, help_text="ISO-8601 with an offset or Z")

    def validate_type(self, value: str) -> str:
        if value not in known_type_identifiers():
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

    def validate(self, attrs: dict) -> dict:
        start, end = attrs.get("start"), attrs.get("end")
        if start and end and start > end:
            raise serializers.ValidationError(
                errors.QUERY_RANGE_INVALID.format(start=start.isoformat(), end=end.isoformat())
            )
        return attrs
