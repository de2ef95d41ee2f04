from django.db import migrations

LEGACY = "legacy"


def _default_name(entity, action):
    # The documented default (audit.services.default_event_name): "<model>.<category>".
    return f"{entity.rsplit('.', 1)[-1]}.{action}"[:80]


def to_legacy_chain(apps, schema_editor):
    """Entries written before per-clinic chains keep their hashes: they become the closed
    "legacy" chain, verified with the version-1 hash fields. Only `name` (not hashed in
    version 1) is filled, from entity and category."""
    Head = apps.get_model("audit", "AuditChainHead")
    Event = apps.get_model("audit", "AuditEvent")
    if not Event.objects.exists() and not Head.objects.exists():
        return
    head = Head.objects.order_by("pk").first() or Head.objects.create(pk=1)
    Head.objects.exclude(pk=head.pk).delete()
    head.key = LEGACY
    head.save(update_fields=["key"])
    Event.objects.update(chain=head, hash_version=1)
    pairs = Event.objects.values_list("entity", "action").distinct()
    for entity, action in list(pairs):
        Event.objects.filter(entity=entity, action=action).update(
            name=_default_name(entity, action)
        )


def from_legacy_chain(apps, schema_editor):
    Event = apps.get_model("audit", "AuditEvent")
    Head = apps.get_model("audit", "AuditChainHead")
    if Event.objects.filter(hash_version=2).exists():
        raise RuntimeError(
            "Entries were written to per-clinic chains; the trail cannot go back to one chain."
        )
    Event.objects.update(chain=None, name="")
    Head.objects.update(key=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_named_actions_and_chain_fields")]

    operations = [migrations.RunPython(to_legacy_chain, from_legacy_chain)]
