# Copyright (c) 2026, Contributors to mailsec.hardening
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Note that this module util is **PRIVATE** to the collection. It can change at any time.
"""The typed input layer: every value a user gives is parsed here into one canonical value.

Each parser takes the value as the user gave it and the name of the variable it came from, and
returns the canonical value or raises ``Refusal``, whose text names the variable and says what to
write instead. Templates render the canonical values (``str()`` of a network, a lower-case host
name, an integer), never the user's string, so text that rides along with a value (an IPv6 zone ID,
a line break, a format directive) can never reach a file. A refusal never repeats a secret.

The parsers are strict where the target formats are: a network is an address and a prefix length
and nothing else; free text is printable ASCII on one line, bounded, without the characters the
target format gives a meaning to.
"""

from __future__ import annotations

import base64
import ipaddress
import re

# IPv6 space that carries IPv4 addresses: a rule there is a rule about IPv4 hosts, written so that a
# reader (and a per-version check) does not see it. ::ffff:0:0/96 is IPv4-mapped, ::/96 IPv4-compatible.
IPV4_MAPPED = ipaddress.ip_network("::ffff:0:0/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)\Z")
# A label of a DNS name that is not a host name: service names such as _spf or _domainkey.
_SERVICE_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)\Z")
_PREFIX = re.compile(r"^[0-9]{1,3}\Z")
_ADDRESS_CHARS = re.compile(r"^[0-9A-Fa-f:.]+\Z")
_PRINTABLE = re.compile(r"^[\x20-\x7e]*\Z")
# Anything a configuration line cannot carry as it is: line breaks, tabs and other control
# characters, and everything beyond ASCII (C1 controls, U+2028, look-alike letters).
NOT_PRINTABLE = re.compile(r"[^\x20-\x7e]")
_DIGITS = re.compile(r"^[0-9]+\Z")
_SIZE = re.compile(r"^(?P<number>[1-9][0-9]{0,12})(?P<unit>[KMGT]?)\Z")
_PATH = re.compile(r"^(/[A-Za-z0-9._+@-]+)+\Z")
SIZE_UNITS = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}


class Refusal(ValueError):
    """A value refused by the input layer; ``str()`` names the variable and what to do."""

    def __init__(self, variable, message):
        super().__init__("%s %s" % (variable, message) if not message.startswith(":") else variable + message)
        self.variable = variable


class Secret:
    """A secret value: its text is available as ``reveal()`` and never through str() or repr()."""

    __slots__ = ("_value",)

    def __init__(self, value):
        self._value = value

    def reveal(self):
        return self._value

    def __repr__(self):
        return "Secret(<hidden>)"

    __str__ = __repr__

    def __eq__(self, other):
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self):
        return hash(self._value)


_BASE64 = re.compile(r"^[A-Za-z0-9+/_-]{20,}={0,2}\Z")
_HASHED = re.compile(r"^(\{[A-Z0-9-]+\}|\$(1|2[abxy]?|5|6|y|argon2(i|d|id)?|pbkdf2[a-z0-9-]*)\$)")


def looks_secret(text):
    """Whether TEXT looks like a key or a password hash (base64 of 15 bytes or more with mixed case and
    digits, or a crypt/Dovecot hash): a message then says so instead of repeating it."""
    if not isinstance(text, str):
        return False
    stripped = text.strip()
    if _HASHED.match(stripped):
        return True
    return bool(_BASE64.match(stripped)) and any(c.isdigit() for c in stripped) and \
        any(c.isupper() for c in stripped) and any(c.islower() for c in stripped)


def shown(value):
    """A short, single-line, printable description of VALUE for a message (repr, clipped). A value
    that looks like a secret, alone or inside a list or mapping, is not repeated."""
    if looks_secret(value) or (isinstance(value, (list, tuple, dict)) and any(
            looks_secret(item) for item in (list(value.keys()) + list(value.values()) if isinstance(value, dict)
                                            else value))):
        return "(a value that looks like a key or a password hash; not shown)"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def type_name(value):
    """The YAML-ish name of a value's type, for messages."""
    if value is None:
        return "null"
    for kind, name in ((bool, "a boolean"), (int, "a number"), (float, "a decimal number"), (str, "a string"),
                       (dict, "a mapping"), ((list, tuple), "a list")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _text_or_refuse(value, variable, example):
    if not isinstance(value, str):
        raise Refusal(variable, "must be text such as %s, not %s" % (example, type_name(value)))
    return value


def _no_hidden_text(text, variable, what):
    """Refuse TEXT when it has anything beyond printable ASCII, or white space at either end."""
    if not _PRINTABLE.match(text):
        raise Refusal(variable, ": %s has a line break, a control or non-ASCII character; write the %s alone"
                      % (shown(text), what))
    if text != text.strip():
        raise Refusal(variable, ": %s has spaces around it; write the %s alone" % (shown(text), what))


# --- Addresses and networks -------------------------------------------------------------------------------

def _embedded_ipv4(address):
    """The IPv4 address an IPv6 ADDRESS carries in IPv4-mapped or IPv4-compatible form, else None."""
    if address.version != 6 or int(address) <= 1:
        return None
    if address in IPV4_MAPPED or address in IPV4_COMPATIBLE:
        return ipaddress.ip_address(int(address) & 0xFFFFFFFF)
    return None


def _parse_address(text, variable):
    _no_hidden_text(text, variable, "address")
    if "%" in text:
        raise Refusal(variable, ": %s has a zone ID after '%%'; write the address alone" % shown(text))
    if not _ADDRESS_CHARS.match(text):
        raise Refusal(variable, ": %s is not a bare IPv4 or IPv6 address (no brackets, prefix length or port)"
                      % shown(text))
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise Refusal(variable, ": %s is not a valid IPv4 or IPv6 address" % shown(text)) from None


def address(value, variable):
    """An IPv4 or IPv6 address: no zone ID, no brackets, no prefix, no IPv4 hidden in IPv6 form."""
    text = _text_or_refuse(value, variable, "'192.0.2.25' or '2001:db8::25'")
    parsed = _parse_address(text, variable)
    embedded = _embedded_ipv4(parsed)
    if embedded is not None:
        raise Refusal(variable, ": %s is the IPv4 address %s written as IPv6; write %s"
                      % (shown(text), embedded, embedded))
    return parsed


def network(value, variable, bare_address=False, postfix_brackets=False):
    """A network as address/prefix with no host bits set.

    BARE_ADDRESS accepts an address without a prefix as its /32 or /128. POSTFIX_BRACKETS accepts
    Postfix's form of an IPv6 network, ``[2001:db8::]/32``. Netmasks (``/255.255.255.0``), zone IDs,
    white space and IPv6 forms of IPv4 space are refused, each with the form to write instead.
    """
    if not isinstance(value, str):
        raise Refusal(variable, ": %s is not a network in CIDR notation; write it as address/prefix, e.g. "
                      "192.0.2.0/24" % shown(value))
    text = value
    if not _PRINTABLE.match(text) or text != text.strip():
        raise Refusal(variable, ": %s is not a valid network: it has white space, a line break, a control or a "
                      "non-ASCII character; write address/prefix alone" % shown(text))
    if "%" in text:
        raise Refusal(variable, ": %s has a zone ID after '%%'; a network has none: write address/prefix, "
                      "e.g. 2001:db8::/48" % shown(text))
    host, slash, prefix = text.partition("/")
    if postfix_brackets and host.startswith("[") and host.endswith("]") and ":" in host:
        host = host[1:-1]
    if not slash and not bare_address:
        raise Refusal(variable, ": %s is not a network in CIDR notation; write it as address/prefix, e.g. "
                      "192.0.2.0/24" % shown(text))
    if slash and not _PREFIX.match(prefix):
        raise Refusal(variable, ": %s needs a prefix length after '/' (a netmask or other text is not read the "
                      "same by every daemon), e.g. 192.0.2.0/24" % shown(text))
    if not _ADDRESS_CHARS.match(host):
        raise Refusal(variable, ": %s is not a network in CIDR notation; write it as address/prefix, e.g. "
                      "192.0.2.0/24 or 2001:db8::/48" % shown(text))
    try:
        parsed_address = _parse_address(host, variable)
    except Refusal:
        raise Refusal(variable, ": %s is not a valid network: %s is not an IPv4 or IPv6 address"
                      % (shown(text), shown(host))) from None
    bits = 32 if parsed_address.version == 4 else 128
    length = int(prefix) if slash else bits
    if length > bits:
        raise Refusal(variable, ": %s is not a valid network: the prefix length is above %d" % (shown(text), bits))
    embedded = _embedded_ipv4(parsed_address)
    if embedded is not None and length >= 96:
        ipv4 = ipaddress.ip_network("%s/%d" % (embedded, length - 96), strict=False)
        raise Refusal(variable, ": %s is IPv4 space (%s) written as IPv6, which the daemons and the checks "
                      "read differently; write %s" % (shown(text), ipv4, ipv4))
    candidate = "%s/%d" % (parsed_address, length)
    try:
        return ipaddress.ip_network(candidate, strict=True)
    except ValueError:
        raise Refusal(variable, ": %s has host bits set after the prefix; use the network address %s"
                      % (text, ipaddress.ip_network(candidate, strict=False))) from None


def read_network(text):
    """A network as a daemon reads it from its own configuration, for judging evidence, or None.

    Lenient where ``network`` is strict: brackets and host bits are allowed, and IPv6 forms of IPv4
    space come back as the IPv4 network they stand for. A word with a zone ID or anything else
    that is not a network gives None (the caller says it cannot judge it).
    """
    if not isinstance(text, str) or "%" in text or not _PRINTABLE.match(text):
        return None
    try:
        parsed = ipaddress.ip_network(text.strip().replace("[", "").replace("]", ""), strict=False)
    except ValueError:
        return None
    embedded = _embedded_ipv4(parsed.network_address) if parsed.prefixlen >= 96 else None
    if embedded is not None:
        return ipaddress.ip_network("%s/%d" % (embedded, parsed.prefixlen - 96), strict=False)
    return parsed


def read_address(text):
    """An address as a daemon or the system reports it (SSH_CONNECTION, resolv.conf), for judging evidence,
    or None. Lenient where ``address`` is strict: a zone ID after '%' (the interface of a link-local
    peer, which no rule or check can name) is dropped, and IPv4 written as IPv6 comes back as IPv4."""
    if not isinstance(text, str):
        return None
    try:
        parsed = _parse_address(text.split("%", 1)[0], "address")
    except Refusal:
        return None
    embedded = _embedded_ipv4(parsed)
    return embedded if embedded is not None else parsed


def a_list(value, variable, parse, example, allow_empty=True, **options):
    """VALUE as a tuple of items each parsed by PARSE, refusing a non-list and naming the position."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise Refusal(variable, "must be a list, e.g. %s, not %s" % (example, type_name(value)))
    if not value and not allow_empty:
        raise Refusal(variable, "must not be empty; e.g. %s" % example)
    return tuple(parse(item, variable, **options) for item in value)


def networks(value, variable, bare_address=False, postfix_brackets=False, allow_empty=True):
    """A list of networks (see ``network``), as a tuple in the given order."""
    return a_list(value, variable, network, "['192.0.2.0/24', '2001:db8::/48']", allow_empty=allow_empty,
                  bare_address=bare_address, postfix_brackets=postfix_brackets)


def postfix_network(net):
    """A network as Postfix writes it in a list such as mynetworks (IPv6 in brackets)."""
    if net.version == 6:
        return "[%s]/%d" % (net.network_address, net.prefixlen)
    return str(net)


# --- Names ----------------------------------------------------------------------------------------------

def hostname(value, variable, what="host name", qualified=True):
    """A DNS name of LDH labels, returned in lower case.

    QUALIFIED requires at least two labels. A trailing dot, an empty label, an address, white space,
    a control character or a non-ASCII character (internationalised labels are written in their
    xn-- form; the refusal gives it) are refused.
    """
    example = "mail.example.org" if what == "host name" else "example.org"
    kind = ("fully qualified " if qualified else "") + what
    if not isinstance(value, str) or not value:
        raise Refusal(variable, "must be a %s such as %s, not %s"
                      % (kind, example, "an empty string" if value == "" else type_name(value)))
    text = value
    if not _PRINTABLE.match(text) or " " in text:
        hint = ""
        if text.isprintable() and " " not in text:
            try:
                hint = "; write it in its xn-- form, %s" % text.encode("idna").decode("ascii")
            except UnicodeError:
                hint = "; internationalised names go in their xn-- form"
        raise Refusal(variable, ": %s is not a %s: it has white space, a control or a non-ASCII character%s"
                      % (shown(text), kind, hint or "; write the name alone, e.g. " + example))
    if text.endswith(".") and len(text) > 1:
        raise Refusal(variable, ": %s ends with a dot; Postfix refuses such names (smtpd stops, or mail for the "
                      "domain is refused), so write %s" % (shown(text), shown(text.rstrip("."))))
    ascii_name = text.lower()
    labels = ascii_name.split(".")
    if (qualified and len(labels) < 2) or len(ascii_name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise Refusal(variable, ": %s is not a %s; use a name such as %s whose labels are ASCII letters, digits "
                      "and inner hyphens (internationalised names in their xn-- form)" % (shown(text), kind, example))
    if labels[-1].isdigit():
        raise Refusal(variable, ": %s looks like an address, not a %s" % (shown(text), what))
    return ascii_name


_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#%&'*+/=?^_`{|}~-]+)*\Z")


def mail_address(value, variable, local_user=True):
    """A mail address local@domain (the domain as ``hostname`` reads it), or with LOCAL_USER a local
    user name alone. Quoted local parts, white space and control characters are refused."""
    example = "admin@example.org"
    if not isinstance(value, str) or not value:
        raise Refusal(variable, "must be %san address such as %s, not %s" % (
            "a user name or " if local_user else "", example, "an empty string" if value == "" else type_name(value)))
    local, at, domain = value.rpartition("@")
    if not at:
        local, domain = value, None
    if not _LOCAL_PART.match(local) or len(local) > 64 or (domain is None and not local_user):
        raise Refusal(variable, ": %s is not %sa plain address; write one address such as %s"
                      % (shown(value), "a user name or " if local_user else "", example))
    if domain is None:
        return local
    try:
        return "%s@%s" % (local, hostname(domain, variable, what="domain name"))
    except Refusal as refusal:
        raise Refusal(variable, ": the domain of %s" % str(refusal)[len(variable) + 2:]) from None


def dns_label(value, variable, example="mail2026"):
    """One DNS label (letters, digits, inner hyphens; at most 63), in lower case: a DKIM selector."""
    if not isinstance(value, str) or not value:
        raise Refusal(variable, "must be one DNS label such as %s, not %s"
                      % (example, "an empty string" if value == "" else type_name(value)))
    _no_hidden_text(value, variable, "label")
    if not _LABEL.match(value.lower()):
        raise Refusal(variable, ": %s is not one DNS label; use letters, digits and inner hyphens, at most 63, "
                      "without dots, e.g. %s" % (shown(value), example))
    return value.lower()


def mx_pattern(value, variable):
    """An mx line of an MTA-STS policy (RFC 8461 §4.1): a fully qualified host name, or ``*.`` and a
    domain (matching exactly one more label), in lower case."""
    if isinstance(value, str) and value.startswith("*."):
        return "*." + hostname(value[2:], variable, what="domain name")
    if isinstance(value, str) and "*" in value:
        raise Refusal(variable, ": %s puts the wildcard elsewhere than in front; MTA-STS allows only *.example.org, "
                      "which matches one label" % shown(value))
    return hostname(value, variable)


_SIGNATURE_GLOB = re.compile(r"^[A-Za-z0-9*][A-Za-z0-9._*-]{0,127}\Z")


def signature_pattern(value, variable):
    """A pattern of ClamAV signature names, such as ``*.Worm.*``: letters, digits, '.', '_', '-' and the
    wildcard '*' (any run of characters), at most 128, with at least three letters or digits so that it
    cannot match every name. Returned as it is (ClamAV's names are case-sensitive)."""
    if not isinstance(value, str) or not value:
        raise Refusal(variable, "must be a pattern of virus signature names such as *.Worm.*, not %s"
                      % ("an empty string" if value == "" else type_name(value)))
    _no_hidden_text(value, variable, "pattern")
    if not _SIGNATURE_GLOB.match(value):
        raise Refusal(variable, ": %s is not a pattern of signature names; use letters, digits, '.', '_', '-' "
                      "and '*' for any run of characters, at most 128, e.g. *.Worm.* or Win.Worm.Mydoom-*" % shown(value))
    if sum(1 for c in value if c.isalnum()) < 3:
        raise Refusal(variable, ": %s would match nearly every signature name, so every infected message would be "
                      "dropped unseen; name the worms, e.g. *.Worm.*" % shown(value))
    return value


def signature_regex(pattern):
    """The anchored regular expression (Perl and Python alike) of a checked signature_pattern."""
    return "^" + "".join("[^\\s]*" if c == "*" else re.escape(c) for c in pattern) + "$"


# RFC 7489 §6.4 and RFC 8460 §3: report URIs are a comma-separated list in which '!' starts a size
# limit; an address carrying them (or ';', which ends the tag) would say something else.
_REPORT_FORBIDDEN = "!,;%"


def report_address(value, variable):
    """A mail address local@domain that a DMARC or TLS-RPT ``mailto:`` URI can carry as it is."""
    parsed = mail_address(value, variable, local_user=False)
    bad = sorted(set(c for c in parsed if c in _REPORT_FORBIDDEN))
    if bad:
        raise Refusal(variable, ": %s has %s, which a report URI reads as a separator or a size limit; "
                      "use an address such as dmarc-reports@example.org" % (shown(value), " ".join(repr(c) for c in bad)))
    return parsed


def spf_sender(value, variable):
    """Another sender of a domain's mail in its SPF record: a network (an ``ip4:``/``ip6:`` term) or the
    domain whose SPF record lists its servers (an ``include:`` term). Raw mechanisms and macros are
    refused: the record says only what the input layer has read."""
    if isinstance(value, str) and (":" in value or "/" in value or (value[:1].isdigit() and value.replace(".", "").isdigit())):
        return network(value, variable, bare_address=True)
    text = value.lower() if isinstance(value, str) else None
    labels = text.split(".") if text and _PRINTABLE.match(text) and len(text) <= 253 else []
    if len(labels) < 2 or not all(_SERVICE_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise Refusal(variable, ": %s is neither a network (192.0.2.0/24, 2001:db8::/48, an address) nor the domain "
                      "of another sender whose SPF record lists its servers (e.g. _spf.example.com); SPF "
                      "mechanisms and macros are not taken as they are" % shown(value))
    return text


_RELAYHOST = re.compile(r"^(?:\[(?P<literal>[^\][\s]+)\]|(?P<name>[^\][:\s]+))(?::(?P<port>[^:\s]*))?\Z")


def relayhost(value, variable):
    """A Postfix next hop: host, [host] (no MX lookup) or [address], with an optional :port; returned with
    the host canonical (lower case, or the address as Python writes it) and the brackets as given."""
    given = _text_or_refuse(value, variable, "'[hub.example.org]:25'")
    match = _RELAYHOST.match(given)
    if not match or not _PRINTABLE.match(given):
        raise Refusal(variable, ": %s is not a host, [host] or [address], with an optional :port; write e.g. "
                      "'[hub.example.org]:25'" % shown(given))
    host = match.group("literal") or match.group("name")
    literal = match.group("literal") is not None
    ipv6_tag = host.lower().startswith("ipv6:")
    bare = host[5:] if ipv6_tag else host
    if _ADDRESS_CHARS.match(bare) and (":" in bare or bare.replace(".", "").isdigit()):
        canonical = ("IPv6:" if ipv6_tag else "") + str(address(bare, variable))
    else:
        try:
            canonical = hostname(host, variable)
        except Refusal as refusal:
            raise Refusal(variable, ": the host in %s" % str(refusal)[len(variable) + 2:]) from None
    rendered = "[%s]" % canonical if literal else canonical
    if match.group("port") is not None:
        try:
            rendered += ":%d" % port(match.group("port"), variable)
        except Refusal:
            raise Refusal(variable, ": the port in %s must be a number from 1 to 65535" % shown(given)) from None
    return rendered


_RATE = re.compile(r"^[1-9][0-9]{0,5}/(second|minute|hour)\Z")
_USER_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}\Z")
_TIME_OF_DAY = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]\Z")


def rate(value, variable):
    """An nft rate: a whole number per second, minute or hour, such as 30/minute."""
    if not isinstance(value, str) or not _RATE.match(value):
        raise Refusal(variable, "must be '' (none) or a rate like '30/minute' (a whole number per second, minute or "
                      "hour), not %s" % shown(value))
    return value


def user_name(value, variable):
    """A Unix user name (lower-case letters, digits, '_' and '-', at most 32)."""
    if not isinstance(value, str) or not _USER_NAME.match(value):
        raise Refusal(variable, "must name Unix users (lower-case letters, digits, '_' and '-'), e.g. ['postfix'], "
                      "not %s" % shown(value))
    return value


def a_mapping(value, variable, parse_key, parse_value, example, **options):
    """VALUE as a dict of keys parsed by PARSE_KEY to values parsed by PARSE_VALUE (with OPTIONS), refusing
    a non-mapping and naming the key whose value is refused."""
    if not isinstance(value, dict):
        raise Refusal(variable, "must be a mapping, e.g. %s, not %s" % (example, type_name(value)))
    parsed = {}
    for key, item in value.items():
        name = parse_key(key, variable)
        if name in parsed:
            raise Refusal(variable, "names %s twice" % shown(name))
        parsed[name] = parse_value(item, "%s[%s]" % (variable, name), **options)
    return dict(sorted(parsed.items()))


_FOLDER = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")


def folder_name(value, variable):
    """A mail folder at the top of a mailbox: letters, digits, '_' and '-' (a dot would nest it in
    Maildir++), not INBOX."""
    if not isinstance(value, str) or not _FOLDER.match(value) or value.upper() == "INBOX":
        raise Refusal(variable, "must be one folder name of letters, digits, '_' and '-' other than INBOX, e.g. Junk, not %s"
                      % shown(value))
    return value


def time_of_day(value, variable):
    """A time of day as HH:MM (24 h)."""
    if not isinstance(value, str) or not _TIME_OF_DAY.match(value):
        raise Refusal(variable, "must be HH:MM (24 h), not %s" % shown(value))
    return value


# --- Numbers, switches, choices --------------------------------------------------------------------------

_TRUE_WORDS = ("true", "yes", "on", "1")
_FALSE_WORDS = ("false", "no", "off", "0")


def boolean(value, variable):
    """A boolean, or one of the words Ansible reads as one (extra vars arrive as text)."""
    if isinstance(value, bool):
        return value
    word = value.strip().lower() if isinstance(value, str) else None
    if word in _TRUE_WORDS or word in _FALSE_WORDS:
        return word in _TRUE_WORDS
    raise Refusal(variable, "must be true or false, not %s" % shown(value))


def integer(value, variable, low, high, unit=""):
    """A whole number from LOW to HIGH; a string of digits (as extra vars give it) is read as one."""
    number = value
    if isinstance(value, str) and _DIGITS.match(value.strip()):
        number = int(value.strip())
    if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
        raise Refusal(variable, "must be a whole number%s from %d to %d, not %s"
                      % (" of " + unit if unit else "", low, high, shown(value)))
    return number


def port(value, variable):
    """A TCP or UDP port number."""
    return integer(value, variable, 1, 65535, "a port")


def ports(value, variable, allow_empty=False):
    """A list of ports, duplicates removed, in the given order."""
    parsed = a_list(value, variable, port, "[25, 465, 587]", allow_empty=allow_empty)
    return tuple(dict.fromkeys(parsed))


def number(value, variable, low, high, unit=""):
    """A number (whole or decimal) from LOW to HIGH."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise Refusal(variable, "must be a number%s from %s to %s, not %s"
                      % (" of " + unit if unit else "", low, high, shown(value)))
    return value


def choice(value, variable, choices):
    """One of CHOICES, exactly."""
    if not isinstance(value, str) or value not in choices:
        raise Refusal(variable, ": %s is not one of %s" % (shown(value), ", ".join(choices)))
    return value


def size(value, variable, low=1, high=2 ** 40):
    """A size in bytes, given as a whole number or as digits with K, M, G or T (1024-based): 500M, 2G."""
    if isinstance(value, int) and not isinstance(value, bool):
        count = value
    else:
        match = _SIZE.match(value) if isinstance(value, str) else None
        if not match:
            raise Refusal(variable, "must be a size such as 500M or 2G (digits and one of K, M, G, T), not %s"
                          % shown(value))
        count = int(match.group("number")) * SIZE_UNITS[match.group("unit")]
    if not low <= count <= high:
        raise Refusal(variable, ": %s is outside %s to %s" % (shown(value), render_size(low), render_size(high)))
    return count


def render_size(count):
    """COUNT bytes in the largest unit that divides it: 2G, 500M, 1536K, 100."""
    for unit in ("T", "G", "M", "K"):
        if count % SIZE_UNITS[unit] == 0:
            return "%d%s" % (count // SIZE_UNITS[unit], unit)
    return str(count)


# --- Text, paths, secrets --------------------------------------------------------------------------------

def text(value, variable, max_length=200, forbidden="", allow_empty=False, what="text"):
    """One line of printable ASCII, at most MAX_LENGTH characters, without the FORBIDDEN characters
    (those the target format gives a meaning to)."""
    given = _text_or_refuse(value, variable, "'one line of text'")
    if not given:
        if allow_empty:
            return ""
        raise Refusal(variable, "must not be empty")
    if not _PRINTABLE.match(given):
        raise Refusal(variable, "contains a line break, a tab, another control character or a non-ASCII "
                      "character; write %s as one line of printable ASCII" % what)
    if len(given) > max_length:
        raise Refusal(variable, "is %d characters long; write at most %d" % (len(given), max_length))
    bad = sorted(set(c for c in given if c in forbidden))
    if bad:
        raise Refusal(variable, "may not contain %s here (the file it goes into gives %s a meaning)"
                      % (" ".join(repr(c) for c in bad), "them" if len(bad) > 1 else "it"))
    return given.strip()


def reject_text(value, variable, directives=(), forbidden="", max_length=200):
    """Text of an SMTP reply: one line of printable ASCII, '%' only as one of the DIRECTIVES, each at
    most once (a second '%v' stops clamav-milter)."""
    given = text(value, variable, max_length=max_length, forbidden=forbidden, what="text")
    found = re.findall(r"%.?", given)
    for directive in found:
        if directive not in directives:
            raise Refusal(variable, "may use %s only as %s" % (
                "'%'", " or ".join(directives) if directives else "plain text (no '%' at all)"))
        if found.count(directive) > 1:
            raise Refusal(variable, "may use %s only once" % directive)
    return given


def path(value, variable, suffix="", allow_empty=False):
    """An absolute path of letters, digits and . _ + @ - (no spaces, no '..', no trailing '/')."""
    given = _text_or_refuse(value, variable, "'/etc/ssl/certs/mail.pem'")
    if not given and allow_empty:
        return ""
    if not _PATH.match(given) or "/../" in given + "/" or "/./" in given + "/" or not given.endswith(suffix):
        raise Refusal(variable, "must be an absolute path of letters, digits and . _ + @ - only%s (no spaces, "
                      "line breaks, '..' or $), not %s" % (" ending in " + suffix if suffix else "", shown(given)))
    return given


_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)"
                  r"(?::(?P<port>[0-9]{1,5}))?(?P<path>/[A-Za-z0-9._~/-]*)?\Z")


def url(value, variable, schemes=("http", "https")):
    """A URL of one of SCHEMES with a host name or address, an optional port and a plain path,
    returned as scheme://host[:port][/path] with the scheme and host in lower case."""
    given = _text_or_refuse(value, variable, "'https://mirror.example.org'")
    match = _URL.match(given)
    if not match or match.group("scheme").lower() not in schemes:
        raise Refusal(variable, "must be a URL such as https://mirror.example.org (%s; a host, an optional port and "
                      "a plain path), not %s" % (" or ".join(s + "://" for s in schemes), shown(given)))
    host = match.group("host")
    if host.startswith("["):
        host = "[%s]" % address(host[1:-1], variable)
    else:
        host = hostname(host, variable, qualified=False) if not _ADDRESS_CHARS.match(host) else str(address(host, variable))
    rendered = "%s://%s" % (match.group("scheme").lower(), host)
    if match.group("port"):
        rendered += ":%d" % port(match.group("port"), variable)
    return rendered + (match.group("path") or "")


# --- Backups -------------------------------------------------------------------------------------------

_SFTP_REPOSITORY = re.compile(r"^sftp:(?P<user>[^@:/\s]+)@(?P<host>[^:/\s]+):(?P<path>/\S*)\Z")


def restic_repository(value, variable):
    """A restic repository: an absolute local path, or sftp:USER@HOST:/PATH (a Unix user name, a host name or
    IPv4 address, an absolute path), returned in the same form with the host in lower case."""
    given = _text_or_refuse(value, variable, "'/var/backups/mailsec-restic' or 'sftp:backup@store.example.org:/srv/restic/mx'")
    if given.startswith("/"):
        return path(given, variable)
    match = _SFTP_REPOSITORY.match(given)
    if not match:
        raise Refusal(variable, "must be a local absolute path such as /var/backups/mailsec-restic or an sftp repository "
                      "such as sftp:backup@store.example.org:/srv/restic/mx, not %s" % shown(given))
    host = match.group("host")
    host = str(address(host, variable)) if _ADDRESS_CHARS.match(host) else hostname(host, variable, qualified=False)
    return "sftp:%s@%s:%s" % (user_name(match.group("user"), variable), host, path(match.group("path"), variable))


def sftp_target(repository):
    """(user, host, path) of an sftp REPOSITORY that restic_repository accepted, or None for a local one."""
    match = _SFTP_REPOSITORY.match(repository or "")
    return (match.group("user"), match.group("host"), match.group("path")) if match else None


_HOST_KEY_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa")


def ssh_host_key(value, variable):
    """An SSH server's public host key as ssh-keyscan prints it after the host, TYPE BASE64 (a trailing
    comment is dropped): the key's own bytes must name the same TYPE."""
    given = _text_or_refuse(value, variable, "'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA...'")
    fields = given.split()
    key_type = fields[0] if fields else ""
    try:
        blob = base64.b64decode(fields[1], validate=True) if len(fields) >= 2 else b""
    except (ValueError, TypeError):
        blob = b""
    length = int.from_bytes(blob[:4], "big") if len(blob) > 4 else 0
    if key_type not in _HOST_KEY_TYPES or len(fields) > 3 or blob[4:4 + length] != key_type.encode("ascii") \
            or not _PRINTABLE.match(given) or len(blob) < 4 + length + 16:
        raise Refusal(variable, "must be the server's public host key, TYPE and base64 as ssh-keyscan prints them "
                      "(TYPE one of %s), not %s" % (", ".join(_HOST_KEY_TYPES), shown(given)))
    return "%s %s" % (key_type, fields[1])


def advisory_source(value, variable):
    """Where debsecan reads the security tracker's data: an http(s) URL or file:///PATH (a local copy), returned
    with a final '/' (debsecan adds the release's name)."""
    given = _text_or_refuse(value, variable, "'https://security-tracker.debian.org/tracker/debsecan/release/1/'")
    if given.startswith("file://"):
        return "file://" + path(given[len("file://"):].rstrip("/") or "/", variable) + "/"
    return url(given.rstrip("/"), variable, schemes=("http", "https")) + "/"


_SNAPSHOT_ID = re.compile(r"^[0-9a-f]{8,64}\Z")


def snapshot_id(value, variable):
    """A restic snapshot: ``latest`` or its ID (8 to 64 hexadecimal digits, as restic snapshots lists them)."""
    if value == "latest" or (isinstance(value, str) and _SNAPSHOT_ID.match(value)):
        return value
    raise Refusal(variable, "must be latest or a snapshot's ID as restic snapshots lists it (e.g. 1a2b3c4d), not %s"
                  % shown(value))


_OPENSSH_KEY = re.compile(r"^-----BEGIN OPENSSH PRIVATE KEY-----\n([A-Za-z0-9+/=]{1,76}\n)+"
                          r"-----END OPENSSH PRIVATE KEY-----\n?\Z")


def openssh_private_key(text):
    """Whether TEXT is an OpenSSH private key file (ssh-keygen's format), and nothing else."""
    return isinstance(text, str) and bool(_OPENSSH_KEY.match(text))


def passphrase(text, shortest=16, longest=1024):
    """Whether TEXT can be a password file's one line: SHORTEST to LONGEST printable characters, no line break."""
    return isinstance(text, str) and shortest <= len(text) <= longest and text.isprintable() and text.strip() == text


def secret(value, variable, check, hint):
    """A secret accepted by CHECK (a predicate on its text); refused with HINT, never with its value."""
    if not isinstance(value, str) or not check(value):
        raise Refusal(variable, "must be %s; the value given is not (it is not shown here)" % hint)
    return Secret(value)


def problems_of(*checks):
    """Run each zero-argument CHECK and collect the text of every Refusal it raises, in order."""
    problems = []
    for check in checks:
        try:
            check()
        except Refusal as refusal:
            problems.append(str(refusal))
    return problems
