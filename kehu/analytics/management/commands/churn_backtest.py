"""Back-test the churn model against the rules now and print the figures (the nightly job does the
same): `manage.py churn_backtest [--rescore]`; --rescore then recomputes every customer's risk with
whichever scorer won."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kehu.analytics import backtest, services


class Command(BaseCommand):
    help = "Back-test the churn model against the rules (ROC-AUC, precision/recall in the top 10 %, lift)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rescore", action="store_true", help="recompute churn risk afterwards")

    def handle(self, *args: Any, **options: Any) -> None:
        bt = backtest.run(services.backtest_start(enqueue=False).pk)
        self.stdout.write(
            f"status={bt.status} test_cutoff={bt.test_cutoff} train={bt.train_size} ({bt.train_churned} churned) "
            f"test={bt.test_size} ({bt.test_churned} churned)"
        )
        for scorer in ("rules", "model"):
            figures = bt.metrics.get(scorer)
            if figures:
                self.stdout.write(
                    f"{scorer}: auc={figures['auc']} precision@10%={figures['precision']} "
                    f"recall@10%={figures['recall']} lift={figures['lift']}"
                )
        if bt.message:
            self.stdout.write(bt.message)
        self.stdout.write(f"in use: {'model' if bt.model_wins else 'rules'} ({bt.reason})")
        if options["rescore"]:
            run = services.churn_run(services.churn_run_start(enqueue=False).pk)
            self.stdout.write(f"rescored {run.processed} customers with the {run.scorer}")
