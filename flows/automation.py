"""A Prefect automation that sends every ``palimpsest.policy.changed`` event to a webhook (Slack, a chat bot,
your own service), with no code in the flows:

    python -m flows.automation https://hooks.example.com/palimpsest [--name policy-changed]

It saves a ``Webhook`` block named after the automation, then creates (or replaces) the automation on the
Prefect API in ``PREFECT_API_URL``. The POSTed body is JSON built from the event's payload.
"""

from __future__ import annotations

import argparse
from contextlib import suppress

from prefect.automations import Automation
from prefect.blocks.webhook import Webhook
from prefect.events.actions import CallWebhook
from prefect.events.schemas.automations import EventTrigger, Posture

from palimpsest.flows.summary import EVENT

#: The webhook's body: a Jinja template over the event (Prefect renders it when the automation fires).
PAYLOAD = """{
  "site": "{{ event.payload.site }}",
  "version": {{ event.payload.version }},
  "changed_after": "{{ event.payload.changed_after }}",
  "changed_by": "{{ event.payload.changed_by }}",
  "words_added": {{ event.payload.words_added | tojson }},
  "words_removed": {{ event.payload.words_removed | tojson }},
  "policy_url": "{{ event.payload.policy_url }}",
  "snapshot": "{{ event.payload.snapshot }}"
}"""


def webhook_automation(url: str, name: str = "policy-changed") -> Automation:
    """Create (replacing one of the same name) the automation posting each policy change to ``url``."""
    block_id = Webhook(method="POST", url=url).save(name, overwrite=True)
    with suppress(ValueError):  # raised when there is none yet
        Automation.read(name=name).delete()
    automation = Automation(
        name=name,
        description=f"POST every {EVENT} event to a webhook",
        trigger=EventTrigger(
            expect={EVENT},
            match={"prefect.resource.id": "palimpsest.site.*"},
            posture=Posture.Reactive,
            threshold=1,
        ),
        actions=[CallWebhook(block_document_id=block_id, payload=PAYLOAD)],
    )
    return automation.create()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the webhook to POST each change to")
    parser.add_argument("--name", default="policy-changed", help="the automation's (and webhook block's) name")
    args = parser.parse_args(argv)
    created = webhook_automation(args.url, args.name)
    print(f"automation {created.name} ({created.id}): every {EVENT} event is POSTed to the webhook")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
