"""Multi-fidelity with checkpoints: a small PyTorch model (CPU) trained for `epochs`, tuned
by Hyperband. A promoted config continues from its parent's checkpoint, found in
`previous_pipeline_directory`, instead of training from scratch. Needs torch.
"""

import os
from pathlib import Path

import neps_like as neps


def evaluate_pipeline(
    lr: float,
    hidden: int,
    epochs: int,
    pipeline_directory: Path,
    previous_pipeline_directory: Path | None,
) -> dict:
    import torch

    torch.manual_seed(0)
    x = torch.linspace(-3, 3, 256).unsqueeze(1)
    y = torch.sin(x) + 0.1 * torch.randn_like(x)
    model = torch.nn.Sequential(
        torch.nn.Linear(1, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 1)
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    start = 0
    if previous_pipeline_directory is not None:
        state = torch.load(previous_pipeline_directory / "checkpoint.pt")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start = state["epoch"]
    curve = []
    for _ in range(start, epochs):
        for _ in range(10):
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()
        curve.append(float(loss))
    torch.save(
        {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epochs},
        pipeline_directory / "checkpoint.pt",
    )
    return {"objective_to_minimize": float(loss), "cost": epochs - start, "learning_curve": curve}


pipeline_space = {
    "lr": neps.Float(1e-4, 1e-1, log=True),
    "hidden": neps.Integer(4, 64, log=True),
    "epochs": neps.Integer(1, 9, is_fidelity=True),
}

if __name__ == "__main__":
    root = os.environ.get("NEPS_LIKE_EXAMPLE_ROOT", "results/multifidelity_torch")
    neps.run(
        evaluate_pipeline,
        pipeline_space,
        root_directory=root,
        optimizer="hyperband",
        evaluations_to_spend=20,
    )
    print(neps.status(root))
