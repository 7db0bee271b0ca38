"""The `evaluate` modules in metrics/<name>/<name>.py: where they are, and what their `_info` shares.

`evaluate.load(metric_path("cider"))` loads one offline. The modules wrap the functions of this package, so each is
a few lines; evaluate and datasets are imported here only when a module asks for its info.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

METRICS_DIR = Path(__file__).with_name("metrics")
METRIC_NAMES = (
    "bleu",
    "meteor",
    "rouge_l",
    "cider",
    "spice",
    "emotional_alignment",
    "similes",
    "novelty",
    "diversity",
)

CITATIONS = {
    "artemis": """@inproceedings{achlioptas2021artemis,
  title={ArtEmis: Affective Language for Visual Art},
  author={Achlioptas, Panos and Ovsjanikov, Maks and Haydarov, Kilichbek and Elhoseiny, Mohamed and Guibas, Leonidas},
  booktitle={CVPR},
  year={2021}
}""",
    "coco": """@article{chen2015microsoft,
  title={Microsoft COCO Captions: Data Collection and Evaluation Server},
  author={Chen, Xinlei and Fang, Hao and Lin, Tsung-Yi and Vedantam, Ramakrishna and Gupta, Saurabh and Doll{\\'a}r, Piotr and Zitnick, C. Lawrence},
  journal={arXiv preprint arXiv:1504.00325},
  year={2015}
}""",
    "bleu": """@inproceedings{papineni2002bleu,
  title={BLEU: a Method for Automatic Evaluation of Machine Translation},
  author={Papineni, Kishore and Roukos, Salim and Ward, Todd and Zhu, Wei-Jing},
  booktitle={ACL},
  year={2002}
}""",
    "meteor": """@inproceedings{denkowski2014meteor,
  title={Meteor Universal: Language Specific Translation Evaluation for Any Target Language},
  author={Denkowski, Michael and Lavie, Alon},
  booktitle={Proceedings of the Ninth Workshop on Statistical Machine Translation},
  year={2014}
}""",
    "rouge": """@inproceedings{lin2004rouge,
  title={ROUGE: A Package for Automatic Evaluation of Summaries},
  author={Lin, Chin-Yew},
  booktitle={Text Summarization Branches Out},
  year={2004}
}""",
    "cider": """@inproceedings{vedantam2015cider,
  title={CIDEr: Consensus-based Image Description Evaluation},
  author={Vedantam, Ramakrishna and Zitnick, C. Lawrence and Parikh, Devi},
  booktitle={CVPR},
  year={2015}
}""",
    "spice": """@inproceedings{anderson2016spice,
  title={SPICE: Semantic Propositional Image Caption Evaluation},
  author={Anderson, Peter and Fernando, Basura and Johnson, Mark and Gould, Stephen},
  booktitle={ECCV},
  year={2016}
}""",
    "lcs": """@article{allison1986bit,
  title={A bit-string longest-common-subsequence algorithm},
  author={Allison, Lloyd and Dix, Trevor I.},
  journal={Information Processing Letters},
  volume={23},
  number={5},
  pages={305--310},
  year={1986}
}""",
}


def metric_path(name: str) -> str:
    """The local `evaluate` module of a metric, for `evaluate.load(metric_path(name))`."""
    if name not in METRIC_NAMES:
        raise ValueError(f"name must be one of {list(METRIC_NAMES)}, got {name!r}")
    return str(METRICS_DIR / name / f"{name}.py")


# The inputs a module takes, documented once: "Args:" lines that each module's own text continues.
ARGS = {
    "captions": "\nArgs:\n    predictions (`list` of `str`): captions, one per painting.\n",
    "captions+references": "\nArgs:\n    predictions (`list` of `str`): captions, one per painting.\n"
    "    references (`list` of `list` of `str`): all reference utterances of each caption's painting.\n",
    "captions+histograms": "\nArgs:\n    predictions (`list` of `str`): captions, one per painting.\n"
    "    references (`list` of `list` of `int`): the emotion histogram of each caption's painting, 9 counts in the\n"
    "        order of artemis_hf.emotions.EMOTIONS.\n",
}


def metric_info(description: str, usage: str, inputs: str, citations: Sequence[str]):
    """`evaluate.MetricInfo` for `inputs`, a key of `ARGS`; `usage` continues its "Args:" (more arguments, Returns)."""
    import datasets
    import evaluate

    caption = datasets.Value("string")
    features = {
        "captions": {"predictions": caption},
        "captions+references": {"predictions": caption, "references": datasets.List(datasets.Value("string"))},
        "captions+histograms": {"predictions": caption, "references": datasets.List(datasets.Value("int64"))},
    }
    return evaluate.MetricInfo(
        description=description,
        citation="\n".join(CITATIONS[name] for name in citations),
        inputs_description=ARGS[inputs] + usage.lstrip("\n"),
        features=datasets.Features(features[inputs]),
        homepage="https://www.artemisdataset.org",
        codebase_urls=["https://github.com/optas/artemis"],
    )


def keyed(predictions: Sequence[str], references: Sequence[Sequence[str]]) -> tuple[dict, dict]:
    """evaluate's parallel lists as the {index: caption}, {index: [references]} the captioning metrics take."""
    return dict(enumerate(predictions)), dict(enumerate(references))
