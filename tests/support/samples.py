"""Sample payloads in the app's validated form (test-only: it imports the app)."""


def parsed_samples(raw_samples: list[dict]) -> list:
    """The app's validated form (healthkit.validation.SampleIn) of valid raw samples."""
    from healthkit.validation import sample_parse

    parsed = []
    for index, raw in enumerate(raw_samples):
        sample, problems = sample_parse(raw, index=index)
        if problems:
            raise ValueError(f"invalid test sample: {problems}")
        parsed.append(sample)
    return parsed
