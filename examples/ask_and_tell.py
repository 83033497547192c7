"""Ask-and-tell: your program decides when and where evaluations run."""

import os

import neps_like as neps

if __name__ == "__main__":
    root = os.environ.get("NEPS_LIKE_EXAMPLE_ROOT", "results/ask_tell")
    study = neps.AskTell(
        root,
        {"x": neps.Float(-2.0, 2.0), "y": neps.Float(-2.0, 2.0)},
        optimizer="random_search",
        evaluations_to_spend=10,
    )
    while (trial := study.ask()) is not None:
        config = study.config(trial)
        value = (config["x"] - 1) ** 2 + (config["y"] + 0.5) ** 2  # evaluated "elsewhere"
        study.tell(trial, value)
    print(neps.status(root))
