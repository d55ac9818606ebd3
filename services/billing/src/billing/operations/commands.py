"""`python -m billing backfill-complimentary|sync-stripe-plans`: settings in, counts out, exit codes of
data-model.md §6."""

import argparse
import asyncio
import json
import logging
import sys
from typing import Any

import stripe
from sqlalchemy.exc import SQLAlchemyError

from billing.operations.backfill import backfill_complimentary
from billing.operations.stripe_sync import sync_stripe_plans
from billing.settings import BillingSettings, get_settings
from billing.stripe_api.client import is_live_key, stripe_client
from shared.bus.outbox import Outbox
from shared.cli import ServiceCli
from shared.clock import SystemClock
from shared.db import create_engine, make_session_factory
from shared.log import configure_logging

SERVICE = "billing"
STRIPE_NOT_CONFIGURED = 2

log = logging.getLogger(__name__)


def _print(result: dict[str, Any]) -> None:
    print(json.dumps(result))


def _failure(kind: str, exc: BaseException) -> int:
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    print(f"{kind} error, nothing committed: {type(exc).__name__}: {first_line}", file=sys.stderr)
    return 1


async def _backfill(settings: BillingSettings, *, dry_run: bool, notify: bool) -> int:
    clock = SystemClock()
    engine = create_engine(settings.billing_database_url, pool_size=1)
    try:
        async with make_session_factory(engine)() as session:
            counts = await backfill_complimentary(
                session=session, outbox=Outbox(SERVICE, clock), now=clock.now(), notify=notify, dry_run=dry_run
            )
            if dry_run:
                await session.rollback()
            else:
                await session.commit()
    except (SQLAlchemyError, OSError) as exc:
        return _failure("database", exc)
    finally:
        await engine.dispose()
    _print(
        {
            "updated": counts.updated,
            "inserted": counts.inserted,
            "skipped_stripe_managed": counts.skipped_stripe_managed,
            "dry_run": dry_run,
        }
    )
    return 0


async def _sync(settings: BillingSettings, client: stripe.StripeClient, *, prefix: str, dry_run: bool) -> int:
    engine = create_engine(settings.billing_database_url, pool_size=1)
    try:
        async with make_session_factory(engine)() as session:
            report = await sync_stripe_plans(
                session=session, outbox=Outbox(SERVICE, SystemClock()), stripe=client, prefix=prefix, dry_run=dry_run
            )
            if dry_run:
                await session.rollback()
            else:
                await session.commit()
    except stripe.StripeError as exc:
        return _failure("stripe", exc)
    except (SQLAlchemyError, OSError) as exc:
        return _failure("database", exc)
    finally:
        await engine.dispose()
    _print(
        {
            "written": report.written,
            "unchanged": report.unchanged,
            "missing": report.missing,
            "warnings": report.warnings,
            "dry_run": dry_run,
        }
    )
    return report.exit_code


def run_backfill(args: argparse.Namespace) -> int:
    settings = get_settings()
    configure_logging(SERVICE, settings.log_level)
    return asyncio.run(_backfill(settings, dry_run=args.dry_run, notify=not args.no_email))


def run_sync(args: argparse.Namespace) -> int:
    settings = get_settings()
    configure_logging(SERVICE, settings.log_level)
    client = stripe_client(settings)
    if client is None:
        print("STRIPE_SECRET_KEY is not set: nothing done", file=sys.stderr)
        return STRIPE_NOT_CONFIGURED
    log.info("syncing plans from Stripe", extra={"stripe_mode": "live" if is_live_key(settings) else "test"})
    prefix = args.product_prefix or settings.stripe_product_name_prefix
    return asyncio.run(_sync(settings, client, prefix=prefix, dry_run=args.dry_run))


def register(cli: ServiceCli[BillingSettings]) -> None:
    backfill = cli.add_command(
        "backfill-complimentary", "move every local subscription (and account without one) to complimentary Pro"
    )
    backfill.add_argument("--dry-run", action="store_true", help="print the counts, write nothing")
    backfill.add_argument("--no-email", action="store_true", help="announce without the complimentary email")
    backfill.set_defaults(run=run_backfill)
    sync = cli.add_command("sync-stripe-plans", "fill plan_billing from the Stripe products and prices")
    sync.add_argument("--dry-run", action="store_true", help="log the intended upserts, write nothing")
    sync.add_argument("--product-prefix", default=None, help="product name prefix (STRIPE_PRODUCT_NAME_PREFIX)")
    sync.set_defaults(run=run_sync)
