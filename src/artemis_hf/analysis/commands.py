"""`artemis-hf analyze`: the release (and any texts to compare with it) through `run.analyze_release`."""

from __future__ import annotations

from ..data.options import PreprocessOptions
from ..data.sources import ReleaseArguments
from .options import AnalyzeArguments


def analyze(release: ReleaseArguments, options: PreprocessOptions, args: AnalyzeArguments) -> dict:
    from ..data.preprocess import prepare_release
    from ..data.sources import pretty_dataset_name
    from .language import Analysers
    from .report import emotion_table, language_table
    from .run import ANALYSIS_JSON, ANALYSIS_MARKDOWN, analyze_release
    from .texts import load_collection, read_grouping

    csv_path, _ = release.resolve()  # the analysis reads text and emotions, never images
    # Everything the user named is read before the long passes, so that a wrong path fails at once.
    compare = [load_collection(spec) for spec in args.compare or []]
    grouping = read_grouping(args.groups_csv) if args.groups_csv else None
    analysers = Analysers.load(args.analysers, args.concreteness_norms, args.spacy_model, args.num_proc)
    results = analyze_release(
        prepare_release(csv_path, None, options),
        args.output_dir,
        label=pretty_dataset_name(csv_path),
        compare=compare,
        analysers=analysers,
        grouping=grouping,
        text_normalization=options.text_normalization,
        spell_check=options.spell_check,
        spell_check_compared=args.spell_check_compared,
        top_paintings=args.top_paintings,
    )
    print("\n".join([*language_table(results), "", *emotion_table(results)]))
    for message in results["unavailable"].values():
        print(f"Not computed: {message}")
    print(f"{ANALYSIS_JSON}, {ANALYSIS_MARKDOWN} and {len(results['plots'])} plots written to {args.output_dir}")
    return results
