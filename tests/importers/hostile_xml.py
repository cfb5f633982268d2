"""Hostile XML for the importers' tests: a document with a DOCTYPE that attacks its parser."""

PASSWD = b'SYSTEM "file:///etc/passwd"'


def entity_bomb(root, document, levels=9):
    """
    ``document`` (bytes, naming ``&lol9;`` or the top level) after a DOCTYPE for ``root`` whose
    entities each hold ten of the level below: the "billion laughs", 10 ** ``levels`` words.
    """
    entities = [b'<!ENTITY lol "lol">'] + [
        b'<!ENTITY lol%d "%s">' % (level, b"&lol%s;" % (b"%d" % (level - 1) if level > 1 else b"") * 10)
        for level in range(1, levels + 1)
    ]
    return b'<?xml version="1.0"?>\n<!DOCTYPE %s [\n%s\n]>\n%s' % (root, b"\n".join(entities), document)


def external_entity(root, document, *, parameter=False, system=b""):
    """
    ``document`` (bytes, naming ``&secret;``) after a DOCTYPE for ``root`` that declares it as
    the contents of /etc/passwd; or, with ``parameter``, that reads the file as a parameter entity.
    """
    declaration = b"<!ENTITY %% d %s> %%d;" % PASSWD if parameter else b"<!ENTITY secret %s>" % PASSWD
    return b'<?xml version="1.0"?>\n<!DOCTYPE %s%s [%s]>\n%s' % (root, system, declaration, document)
