import subprocess
import sys

import stripe
from stripefake import FakeStripe


async def test_python_m_stripefake_runs_standalone_and_attaches() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "stripefake", "--port", "0", "--public-url", "http://stripe.test:9"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("stripefake listening on http://127.0.0.1:")
        url = line.split()[-1]
        fake = FakeStripe(url=url)
        fake.start()  # attaching starts nothing
        assert fake.url == url
        client = stripe.StripeClient("sk_test_any", base_addresses={"api": url}, http_client=stripe.HTTPXClient())
        customer = await client.v1.customers.create_async({"email": "s@example.com"})
        portal = await client.v1.billing_portal.sessions.create_async({"customer": customer.id})
        assert portal.url == f"http://stripe.test:9/portal/{portal.id}"
        assert (await fake.portal_session(portal.id))["customer"] == customer.id
        fake.reset()
        fake.stop()  # does not stop a server it did not start
        assert process.poll() is None
    finally:
        process.terminate()
        assert process.wait(10) is not None


def test_sync_context_manager_and_parent_pipe() -> None:
    with FakeStripe() as fake:
        url = fake.url
        fake.reset()
    assert url.startswith("http://127.0.0.1:")
