"""`flask ivr learn`: learn the classifier's counts from the example files, once for every worker."""

from __future__ import annotations

import click

from ivr.journey.classifier import write_learned_counts
from ivr.journey.model_file import MODEL_FILE


@click.command("learn")
def learn_command() -> None:
    """Write prompts/examples/learned_counts.gz from the examples and cues (after editing either)."""
    models = write_learned_counts()
    size = sum(model.size_in_bytes() for model in models.values())
    click.echo(
        f"{MODEL_FILE}: {len(models)} languages, {size / 1e6:.1f} MB of counts "
        f"({MODEL_FILE.stat().st_size / 1e6:.1f} MB on disk)"
    )
