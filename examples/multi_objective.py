"""Several objectives: return a list; the analysis gives the Pareto front."""

import os

import neps_like as neps


def evaluate_pipeline(size: float, quality: float) -> list[float]:
    error = (1 - quality) ** 2 + 0.1 / size
    latency = size * (0.5 + quality)
    return [error, latency]  # both minimised


pipeline_space = {"size": neps.Float(0.1, 10.0, log=True), "quality": neps.Float(0.0, 1.0)}

if __name__ == "__main__":
    root = os.environ.get("NEPS_LIKE_EXAMPLE_ROOT", "results/multi_objective")
    neps.run(
        evaluate_pipeline,
        pipeline_space,
        root_directory=root,
        optimizer="bayesian_optimization",
        evaluations_to_spend=15,
    )
    results = neps.load(root)
    front = [t for t in results.values() if t.report and t.report.is_usable]
    print(f"{len(front)} evaluated trials; objectives of the first: {front[0].report.objectives}")
