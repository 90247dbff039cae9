"""Health Auto Export metric and workout names -> HealthKit identifiers (what this service maps).

Names as the app writes them (irvinlim/apple-health-ingester's types and tests document them);
a metric not listed here is reported as an error naming it (or skipped with ?on_invalid=skip).
"""

Q = "HKQuantityTypeIdentifier"

#: metric name -> quantity type (the metric's `units` is the unit of its values)
QUANTITY_METRICS = {
    "active_energy": f"{Q}ActiveEnergyBurned",
    "basal_energy_burned": f"{Q}BasalEnergyBurned",
    "basal_body_temperature": f"{Q}BasalBodyTemperature",
    "body_temperature": f"{Q}BodyTemperature",
    "step_count": f"{Q}StepCount",
    "walking_running_distance": f"{Q}DistanceWalkingRunning",
    "cycling_distance": f"{Q}DistanceCycling",
    "flights_climbed": f"{Q}FlightsClimbed",
    "apple_exercise_time": f"{Q}AppleExerciseTime",
    "apple_stand_time": f"{Q}AppleStandTime",
    "resting_heart_rate": f"{Q}RestingHeartRate",
    "walking_heart_rate_average": f"{Q}WalkingHeartRateAverage",
    "heart_rate_variability": f"{Q}HeartRateVariabilitySDNN",
    "respiratory_rate": f"{Q}RespiratoryRate",
    "blood_oxygen_saturation": f"{Q}OxygenSaturation",
    "weight_body_mass": f"{Q}BodyMass",
    "body_mass_index": f"{Q}BodyMassIndex",
    "height": f"{Q}Height",
    "vo2_max": f"{Q}VO2Max",
    "dietary_water": f"{Q}DietaryWater",
    "environmental_audio_exposure": f"{Q}EnvironmentalAudioExposure",
    "headphone_audio_exposure": f"{Q}HeadphoneAudioExposure",
}
HEART_RATE_METRIC = "heart_rate"  # aggregated: {Min, Avg, Max} per interval
SLEEP_METRIC = "sleep_analysis"
HEART_RATE = f"{Q}HeartRate"
SLEEP_ANALYSIS = "HKCategoryTypeIdentifierSleepAnalysis"
#: a sleep record's `value` (per-stage records) -> HKCategoryValueSleepAnalysis case
SLEEP_STAGES = {
    "In Bed": "HKCategoryValueSleepAnalysisInBed",
    "Asleep": "HKCategoryValueSleepAnalysisAsleepUnspecified",
    "Awake": "HKCategoryValueSleepAnalysisAwake",
    "Core": "HKCategoryValueSleepAnalysisAsleepCore",
    "Deep": "HKCategoryValueSleepAnalysisAsleepDeep",
    "REM": "HKCategoryValueSleepAnalysisAsleepREM",
}
#: totals of an aggregated sleep record kept in the asleep sample's metadata (hours)
SLEEP_TOTALS = ("asleep", "inBed", "core", "deep", "rem", "awake")
