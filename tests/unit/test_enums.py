import pytest

from requests_oauth2client.enums import (
    AccessTokenTypes,
    CodeChallengeMethods,
    Endpoints,
    GrantTypes,
    JwtTypes,
    ResponseTypes,
    TokenType,
)


def test_values() -> None:
    assert Endpoints.TOKEN == "token_endpoint"
    assert Endpoints.JWKS == "jwks_uri"
    assert Endpoints.USER_INFO == "userinfo_endpoint"
    assert GrantTypes.RESOURCE_OWNER_PASSWORD == "password"
    assert GrantTypes.TOKEN_EXCHANGE == "urn:ietf:params:oauth:grant-type:token-exchange"
    assert GrantTypes.CLIENT_INITIATED_BACKCHANNEL_AUTHENTICATION == "urn:openid:params:grant-type:ciba"
    assert GrantTypes.DEVICE_CODE == "urn:ietf:params:oauth:grant-type:device_code"
    assert ResponseTypes.CODE_IDTOKEN_TOKEN == "code id_token token"
    assert CodeChallengeMethods.plain == "plain"
    assert CodeChallengeMethods.S256 == "S256"
    assert TokenType.ID_TOKEN == "id_token"
    assert AccessTokenTypes.DPOP == "DPoP"
    assert JwtTypes.CLIENT_AUTHENTICATION_JWT == "client-authentication+jwt"


@pytest.mark.parametrize(
    "enum", [Endpoints, GrantTypes, ResponseTypes, CodeChallengeMethods, TokenType, AccessTokenTypes]
)
def test_members_are_their_values_as_strings(enum: type) -> None:
    for member in enum:
        assert isinstance(member, str)
        assert str(member) == member.value
        assert f"{member}" == member.value
        assert enum(member.value) is member


def test_message_interpolation_shows_the_value() -> None:
    from requests_oauth2client.exceptions import MissingEndpointUri

    assert str(MissingEndpointUri(Endpoints.REVOCATION)) == "No 'revocation_endpoint' defined for this client."
