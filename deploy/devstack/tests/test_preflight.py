import pytest

from devstack.stack import StackError, check_postgres, check_rabbitmq, complete_environment


async def test_unreachable_postgres_is_named_with_how_to_start_it() -> None:
    env = {"IDENTITY_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:1/identity"}
    with pytest.raises(StackError) as error:
        await check_postgres(env)
    message = str(error.value)
    assert message.startswith("PostgreSQL is not reachable at 127.0.0.1:1")
    assert "pg_ctlcluster" in message
    assert "docker compose up" in message
    assert "\n" not in message


async def test_unreachable_rabbitmq_is_named_with_how_to_start_it() -> None:
    with pytest.raises(StackError) as error:
        await check_rabbitmq({"AMQP_URL": "amqp://guest:guest@127.0.0.1:1/"})
    assert str(error.value).startswith("RabbitMQ is not reachable at 127.0.0.1:1 ")
    assert "rabbitmq-server -detached" in str(error.value)


async def test_reachable_servers_pass_preflight() -> None:
    await check_postgres({})
    await check_rabbitmq({})


def test_internal_urls_follow_the_ports_and_a_token_is_generated() -> None:
    env = complete_environment({"BILLING_PORT": "9102"})
    assert env["BILLING_INTERNAL_URL"] == "http://127.0.0.1:9102"
    assert len(env["INTERNAL_API_TOKEN"]) >= 32
    assert complete_environment({"INTERNAL_API_TOKEN": "fixed"})["INTERNAL_API_TOKEN"] == "fixed"
