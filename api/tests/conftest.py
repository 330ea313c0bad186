import pytest

from api import services


@pytest.fixture
def make_token():
    def make(user, *, name="laptop", read=True, write=True, expires_at=None):
        _token, raw = services.create_token(
            user, name=name, can_read=read, can_write=write, expires_at=expires_at
        )
        return raw

    return make


@pytest.fixture
def token(user, make_token):
    return make_token(user)


@pytest.fixture
def api(client, token):
    """A test client whose every request carries ``user``'s read+write token."""

    class Api:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

        def get(self, path, **extra):
            return client.get("/api/v1" + path, **{**self.headers, **extra})

        def delete(self, path, **extra):
            return client.delete("/api/v1" + path, **{**self.headers, **extra})

        def put(self, path, data, **extra):
            return client.put(
                "/api/v1" + path, data, content_type="application/json", **{**self.headers, **extra}
            )

        def post(self, path, data, **extra):
            return client.post(
                "/api/v1" + path, data, content_type="application/json", **{**self.headers, **extra}
            )

    return Api()
