"""SIP2 2.00 message layouts: each message's fixed fields (with widths) and variable fields.

The tables follow the SIP2 2.00 specification as modelled by the independent ``pysip2``
package (its ``message-layouts`` list, copied into tests/data/sip2/ for the tests). The codec
(:mod:`kiosk.ils.sip2.codec`) reads them to slice fixed fields on decode, to check
:func:`~kiosk.ils.sip2.codec.request` arguments and to write fixed fields in order.

Everything here is precomputed at import: the codec's hot path only indexes tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from types import MappingProxyType

#: Every variable field code of SIP2 2.00 (and the extensions real servers send that the
#: kiosk reads), with its name. Used for the layout tables, traces and documentation.
FIELD_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "AA": "patron_identifier",
        "AB": "item_identifier",
        "AC": "terminal_password",
        "AD": "patron_password",
        "AE": "personal_name",
        "AF": "screen_message",
        "AG": "print_line",
        "AH": "due_date",
        "AJ": "title_identifier",
        "AL": "blocked_card_message",
        "AM": "library_name",
        "AN": "terminal_location",
        "AO": "institution_id",
        "AP": "current_location",
        "AQ": "permanent_location",
        "AS": "hold_items",
        "AT": "overdue_items",
        "AU": "charged_items",
        "AV": "fine_items",
        "AY": "sequence_number",
        "AZ": "checksum",
        "BD": "home_address",
        "BE": "email_address",
        "BF": "home_phone_number",
        "BG": "owner",
        "BH": "currency_type",
        "BI": "cancel",
        "BK": "transaction_id",
        "BL": "valid_patron",
        "BM": "renewed_items",
        "BN": "unrenewed_items",
        "BO": "fee_acknowledged",
        "BP": "start_item",
        "BQ": "end_item",
        "BR": "queue_position",
        "BS": "pickup_location",
        "BT": "fee_type",
        "BU": "recall_items",
        "BV": "fee_amount",
        "BW": "expiration_date",
        "BX": "supported_messages",
        "BY": "hold_type",
        "BZ": "hold_items_limit",
        "CA": "overdue_items_limit",
        "CB": "charged_items_limit",
        "CC": "fee_limit",
        "CD": "unavailable_hold_items",
        "CF": "hold_queue_length",
        "CG": "fee_identifier",
        "CH": "item_properties",
        "CI": "security_inhibit",
        "CJ": "recall_date",
        "CK": "media_type",
        "CL": "sort_bin",
        "CM": "hold_pickup_date",
        "CN": "login_user_id",
        "CO": "login_password",
        "CP": "location_code",
        "CQ": "valid_patron_password",
        "CT": "destination_location",
        # Extensions Evergreen sends (not in 2.00; kept on decode like any unknown code).
        "PA": "expiration_date_extension",
        "PB": "birth_date_extension",
        "PC": "patron_class_extension",
    }
)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One variable field of a message layout.

    Attributes:
        code: The two-letter field code ("AO").
        name: Its name in the specification ("institution_id").
        required: The specification says the message always carries it.
        repeatable: It may occur more than once (AF, AG and the item lists).
    """

    code: str
    name: str
    required: bool
    repeatable: bool


@dataclass(frozen=True, slots=True)
class Layout:
    """A message's shape: code, name, fixed fields in wire order, variable fields.

    The sets and the slicer are precomputed so that the codec checks and slices a message
    with a few C-level operations instead of a Python loop per field.

    Attributes:
        code: The two-digit message code ("11").
        name: The specification's name ("CheckoutRequest").
        fixed: (name, width) of each fixed field, in wire order.
        fields: The variable fields the specification lists, in its order.
        fixed_length: Sum of the fixed widths: the variable part starts at 2 + this.
        fixed_names: The fixed fields' names, in wire order.
        slicer: Cuts the fixed fields' values, in wire order, out of the whole message text.
        field_specs: ``fields`` by code.
        required: Codes of the required variable fields.
        repeatable: Codes of the variable fields that may occur more than once.
        fixed_name_set: ``fixed_names`` as a set.
        widths: The fixed fields' widths, in wire order.
        field_codes: Codes of all the variable fields of the layout.
    """

    code: str
    name: str
    fixed: tuple[tuple[str, int], ...]
    fields: tuple[FieldSpec, ...]
    fixed_length: int
    fixed_names: tuple[str, ...]
    slicer: Callable[[str], tuple[str, ...]]
    field_specs: Mapping[str, FieldSpec]
    required: frozenset[str]
    repeatable: frozenset[str]
    fixed_name_set: frozenset[str]
    widths: tuple[int, ...]
    field_codes: frozenset[str]

    @property
    def required_codes(self) -> tuple[str, ...]:
        """The codes of the required variable fields, in specification order."""
        return tuple(spec.code for spec in self.fields if spec.required)


def _slicer(cuts: tuple[slice, ...]) -> Callable[[str], tuple[str, ...]]:
    """A function returning the text's pieces at ``cuts`` as a tuple (itemgetter is C)."""
    if len(cuts) >= 2:
        return itemgetter(*cuts)
    if len(cuts) == 1:
        cut = cuts[0]
        return lambda text: (text[cut],)
    return lambda text: ()


def _layout(code: str, name: str, fixed: str, fields: str) -> Layout:
    """Build a layout from compact text: ``"ok:1 transaction_date:18"``, ``"AO* AA* AF+"``.

    ``*`` marks a required field, ``+`` a repeatable one (the notation of the layouts list).
    """
    fixed_fields: list[tuple[str, int]] = []
    for part in fixed.split():
        field_name, _, width_text = part.partition(":")
        fixed_fields.append((field_name, int(width_text)))
    specs: list[FieldSpec] = []
    for part in fields.split():
        field_code = part[:2]
        specs.append(FieldSpec(field_code, FIELD_NAMES[field_code], "*" in part, "+" in part))
    cuts: list[slice] = []
    start = 2
    for _, width in fixed_fields:
        cuts.append(slice(start, start + width))
        start += width
    return Layout(
        code=code,
        name=name,
        fixed=tuple(fixed_fields),
        fields=tuple(specs),
        fixed_length=start - 2,
        fixed_names=tuple(fixed_name for fixed_name, _ in fixed_fields),
        slicer=_slicer(tuple(cuts)),
        field_specs=MappingProxyType({spec.code: spec for spec in specs}),
        required=frozenset(spec.code for spec in specs if spec.required),
        repeatable=frozenset(spec.code for spec in specs if spec.repeatable),
        fixed_name_set=frozenset(fixed_name for fixed_name, _ in fixed_fields),
        widths=tuple(width for _, width in fixed_fields),
        field_codes=frozenset(spec.code for spec in specs),
    )


_DATE = "transaction_date:18"

_ALL = (
    _layout("01", "BlockPatronRequest", f"card_retained:1 {_DATE}", "AO* AL* AA* AC*"),
    _layout(
        "09",
        "CheckinRequest",
        f"no_block:1 {_DATE} return_date:18",
        "AP* AO* AB* AC* CH BI",
    ),
    _layout(
        "10",
        "CheckinResponse",
        f"ok:1 resensitize:1 magnetic_media:1 alert:1 {_DATE}",
        "AO* AB* AQ* AJ CL AA CK CH AF+ AG+",
    ),
    _layout(
        "11",
        "CheckoutRequest",
        f"sc_renewal_policy:1 no_block:1 {_DATE} nb_due_date:18",
        "AO* AA* AB* AC* CH AD BO BI",
    ),
    _layout(
        "12",
        "CheckoutResponse",
        f"ok:1 renewal_ok:1 magnetic_media:1 desensitize:1 {_DATE}",
        "AO* AA* AB* AJ* AH* BT CI BH BV CK CH BK AF+ AG+",
    ),
    _layout("15", "HoldRequest", f"hold_mode:1 {_DATE}", "AO* AA* BW BS BY AD AB AJ AC BO"),
    _layout(
        "16",
        "HoldResponse",
        f"ok:1 available:1 {_DATE}",
        "BW BR BS AO* AA* AB AJ AF+ AG+",
    ),
    _layout("17", "ItemInformationRequest", _DATE, "AO* AB* AC"),
    _layout(
        "18",
        "ItemInformationResponse",
        f"circulation_status:2 security_marker:2 fee_type:2 {_DATE}",
        "CF AH CJ CM AB* AJ* BG BH BV CK AQ AP CH AF+ AG+",
    ),
    _layout("19", "ItemStatusUpdateRequest", _DATE, "AO* AB* AC CH*"),
    _layout("20", "ItemStatusUpdateResponse", f"item_properties_ok:1 {_DATE}", "AB* AJ CH AF+ AG+"),
    _layout("23", "PatronStatusRequest", f"language:3 {_DATE}", "AO* AA* AC* AD*"),
    _layout(
        "24",
        "PatronStatusResponse",
        f"patron_status:14 language:3 {_DATE}",
        "AO* AA* AE* BL CQ BH BV AF+ AG+",
    ),
    _layout("25", "PatronEnableRequest", _DATE, "AO* AA* AC AD"),
    _layout(
        "26",
        "PatronEnableResponse",
        f"patron_status:14 language:3 {_DATE}",
        "AO* AA* AE* BL CQ AF+ AG+",
    ),
    _layout(
        "29",
        "RenewRequest",
        f"third_party_allowed:1 no_block:1 {_DATE} nb_due_date:18",
        "AO* AA* AD AB AJ AC CH BO",
    ),
    _layout(
        "30",
        "RenewResponse",
        f"ok:1 renewal_ok:1 magnetic_media:1 desensitize:1 {_DATE}",
        "AO* AA* AB* AJ* AH* BT CI BH BV CK CH BK AF+ AG+",
    ),
    _layout("35", "EndPatronSessionRequest", _DATE, "AO* AA* AC AD"),
    _layout("36", "EndSessionResponse", f"end_session:1 {_DATE}", "AO* AA* AF+ AG+"),
    _layout(
        "37",
        "FeePaidRequest",
        f"{_DATE} fee_type:2 payment_type:2 currency_type:3",
        "BV* AO* AA* AC AD CG BK",
    ),
    _layout("38", "FeePaidResponse", f"payment_accepted:1 {_DATE}", "AO* AA* BK AF+ AG+"),
    _layout(
        "63",
        "PatronInformationRequest",
        f"language:3 {_DATE} summary:10",
        "AO* AA* AC AD BP BQ",
    ),
    _layout(
        "64",
        "PatronInformationResponse",
        f"patron_status:14 language:3 {_DATE} hold_items_count:4 overdue_items_count:4"
        " charged_items_count:4 fine_items_count:4 recall_items_count:4"
        " unavailable_holds_count:4",
        "AO* AA* AE* BZ CA CB BL CQ BH BV CC AS+ AT+ AU+ AV+ BU+ CD+ BD BE BF AF+ AG+",
    ),
    _layout("65", "RenewAllRequest", _DATE, "AO* AA* AD AC BO"),
    _layout(
        "66",
        "RenewAllResponse",
        f"ok:1 renewed_count:4 unrenewed_count:4 {_DATE}",
        "AO* BM+ BN+ AF+ AG+",
    ),
    _layout("93", "LoginRequest", "uid_algorithm:1 pwd_algorithm:1", "CN* CO* CP"),
    _layout("94", "LoginResponse", "ok:1", ""),
    _layout("96", "RequestSCResend", "", ""),
    _layout("97", "RequestACSResend", "", ""),
    _layout(
        "98",
        "ACSStatusResponse",
        "online_status:1 checkin_ok:1 checkout_ok:1 acs_renewal_policy:1 status_update_ok:1"
        " offline_ok:1 timeout_period:3 retries_allowed:3 date_time_sync:18 protocol_version:4",
        "AO* AM BX* AN AF+ AG+",
    ),
    _layout("99", "SCStatusRequest", "status_code:1 max_print_width:3 protocol_version:4", ""),
)

#: Every layout by its two-digit code.
# A plain dict behind a read-only type: the codec looks a layout up per message, and a
# MappingProxyType lookup costs twice as much.
LAYOUTS: Mapping[str, Layout] = {layout.code: layout for layout in _ALL}
