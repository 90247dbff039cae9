"""Synthetic Health app exports in the shapes of the real ones (tests/fixtures/healthkit/README.md):
Records of several types and units (heart rate with motion-context metadata, steps, energy in kcal
and kJ, distance in km and mi, sleep stages, mindful sessions without a value), a device string
with its per-record pointer, Workouts with statistics, events and routes, blood-pressure
Correlations and ActivitySummary elements. About 380 bytes per record, as real exports
(3.4 million records per 1.3 GB).

export_xml_write(out, records=N) writes the XML to a binary file; export_zip_write zips it as the
Health app does (apple_health_export/export.xml, deflated).
"""

import zipfile
from datetime import datetime, timedelta, timezone
from typing import BinaryIO

EXPORT_MEMBER = "apple_health_export/export.xml"
HEAD = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate value CDATA #REQUIRED>
]>
<HealthData locale="en_NL">
 <ExportDate value="2024-06-01 08:10:05 +0200"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1990-05-20" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexMale"/>
"""
TAIL = b"</HealthData>\n"
WATCH = "Zo\u00eb's Apple Watch"
DEVICE = "&lt;&lt;HKDevice: 0x{pointer:09x}&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,7, software:10.2&gt;"
OFFSET = timezone(timedelta(hours=2))
START = datetime(2019, 1, 1, 0, 0, tzinfo=OFFSET)

#: (type, unit, value(i)) of the plain quantity records, in the proportions of a real export
QUANTITIES = (
    ("HKQuantityTypeIdentifierHeartRate", "count/min", lambda i: f"{55 + i % 60}"),
    ("HKQuantityTypeIdentifierStepCount", "count", lambda i: f"{i % 400 + 1}"),
    ("HKQuantityTypeIdentifierActiveEnergyBurned", "kcal", lambda i: f"{(i % 97) / 7:.3f}"),
    ("HKQuantityTypeIdentifierBasalEnergyBurned", "kJ", lambda i: f"{(i % 89) / 3:.3f}"),
    ("HKQuantityTypeIdentifierDistanceWalkingRunning", "km", lambda i: f"{(i % 50) / 1000:.4f}"),
    ("HKQuantityTypeIdentifierDistanceCycling", "mi", lambda i: f"{(i % 30) / 1000:.4f}"),
)


def _date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S %z")


def _record(i: int, moment: datetime) -> str:
    kind = i % 20
    dates = f'creationDate="{_date(moment + timedelta(seconds=90))}" startDate="{_date(moment)}" endDate="{_date(moment + timedelta(seconds=60))}"'
    source = f'sourceName="{WATCH}" sourceVersion="10.2" device="{DEVICE.format(pointer=0x300000000 + i)}"'
    if kind == 17:
        return f' <Record type="HKCategoryTypeIdentifierSleepAnalysis" {source} value="HKCategoryValueSleepAnalysisAsleepCore" {dates}/>\n'
    if kind == 18:
        return f' <Record type="HKCategoryTypeIdentifierMindfulSession" sourceName="Breathe" sourceVersion="10.2" {dates}/>\n'
    type_identifier, unit, value = QUANTITIES[kind % len(QUANTITIES)]
    record = f' <Record type="{type_identifier}" {source} unit="{unit}" {dates} value="{value(i)}"'
    if type_identifier.endswith("HeartRate"):
        return record + '>\n  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="1"/>\n </Record>\n'
    return record + "/>\n"


def _workout(i: int, moment: datetime) -> str:
    end = moment + timedelta(minutes=31)
    return (
        f' <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="31" durationUnit="min" '
        f'totalDistance="5.2" totalDistanceUnit="km" totalEnergyBurned="402" totalEnergyBurnedUnit="kcal" '
        f'sourceName="{WATCH}" sourceVersion="10.2" creationDate="{_date(end)}" startDate="{_date(moment)}" endDate="{_date(end)}">\n'
        '  <MetadataEntry key="HKTimeZone" value="Europe/Amsterdam"/>\n'
        f'  <WorkoutEvent type="HKWorkoutEventTypeSegment" date="{_date(moment)}" duration="10" durationUnit="min"/>\n'
        f'  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" startDate="{_date(moment)}" endDate="{_date(end)}" average="151" minimum="98" maximum="177" unit="count/min"/>\n'
        f'  <WorkoutRoute sourceName="{WATCH}" sourceVersion="10.2" creationDate="{_date(end)}" startDate="{_date(moment)}" endDate="{_date(end)}">\n'
        f'   <FileReference path="/workout-routes/route_{i}.gpx"/>\n  </WorkoutRoute>\n </Workout>\n'
    )


def _pressure(moment: datetime) -> str:
    dates = f'creationDate="{_date(moment)}" startDate="{_date(moment)}" endDate="{_date(moment)}"'
    members = "".join(
        f'  <Record type="HKQuantityTypeIdentifierBloodPressure{side}" sourceName="Health Mate" sourceVersion="5" unit="mmHg" {dates} value="{value}"/>\n'
        for side, value in (("Systolic", 121), ("Diastolic", 79))
    )
    return f' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Health Mate" sourceVersion="5" {dates}>\n{members} </Correlation>\n'


def export_xml_write(out: BinaryIO, *, records: int) -> int:
    """Write an export.xml of about `records` samples; the number of samples it holds."""
    out.write(HEAD)
    samples = 0
    for i in range(records):
        moment = START + timedelta(minutes=3 * i)
        if i % 500 == 499:
            element, count = _workout(i, moment), 1
        elif i % 1000 == 250:
            element, count = _pressure(moment), 2
        elif i % 1440 == 0:
            element, count = f' <ActivitySummary dateComponents="{moment.date()}" activeEnergyBurned="590" activeEnergyBurnedUnit="kcal"/>\n', 0
        else:
            element, count = _record(i, moment), 1
        out.write(element.encode())
        samples += count
    out.write(TAIL)
    return samples


def export_zip_write(path, *, records: int) -> int:
    """The export.zip the Health app writes, of about `records` samples; the number of samples."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive, archive.open(EXPORT_MEMBER, "w", force_zip64=True) as xml:
        return export_xml_write(xml, records=records)
