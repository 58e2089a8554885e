"""`_http.form`: adding fields to a form body; the quick check of parameter names agrees with a full parse."""

from __future__ import annotations

import requests
from hypothesis import given
from hypothesis import strategies as st

from requests_oauth2client._http.form import _form_names, _no_parameter_named, add_form_fields

NAMES = ("client_id", "client_secret")


@given(st.text(alphabet="client_dsecrt%5F+=&ab", max_size=40))
def test_the_quick_check_of_names_agrees_with_a_full_parse(form: str) -> None:
    assert _no_parameter_named(form, NAMES) == _form_names(form).isdisjoint(NAMES)


def test_an_encoded_name_is_found_and_replaced() -> None:
    request = requests.Request("POST", "https://as.example.com/token", data="client%5Fid=other&scope=a+b").prepare()
    add_form_fields(request, {"client_id": "mine"}, "client_id=mine")
    assert request.body == "scope=a+b&client_id=mine"


def test_a_name_inside_a_value_is_not_a_parameter() -> None:
    request = requests.Request("POST", "https://as.example.com/token", data={"note": "client_id"}).prepare()
    add_form_fields(request, {"client_id": "mine"}, "client_id=mine")
    assert request.body == "note=client_id&client_id=mine"


def test_the_encoded_fields_given_are_appended_as_they_are() -> None:
    request = requests.Request("POST", "https://as.example.com/token", data={"grant_type": "x"}).prepare()
    add_form_fields(request, {"client_id": "a b"}, "client_id=a+b")
    assert request.body == "grant_type=x&client_id=a+b"
    assert request.headers["Content-Length"] == str(len(request.body))
