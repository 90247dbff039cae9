"""The identity constraints, once 0003 has merged the rows that the new identity makes one."""

import django.db.models.constraints
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("healthkit", "0003_sync_identity_data"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.AddConstraint(
            model_name='healthsample',
            constraint=models.UniqueConstraint(deferrable=django.db.models.constraints.Deferrable['DEFERRED'], fields=('owner', 'healthkit_uuid'), name='healthkit_sample_owner_uuid_unique'),
        ),
        migrations.AddConstraint(
            model_name='healthsample',
            constraint=models.UniqueConstraint(deferrable=django.db.models.constraints.Deferrable['DEFERRED'], fields=('owner', 'sync_identifier'), name='healthkit_sample_owner_sync_unique'),
        ),
        migrations.AddConstraint(
            model_name='healthsample',
            constraint=models.UniqueConstraint(condition=models.Q(('healthkit_uuid__isnull', True), ('sync_identifier__isnull', True)), fields=('owner', 'fingerprint'), name='healthkit_sample_owner_fp_unique_anonymous'),
        ),
        migrations.AddConstraint(
            model_name='healthsample',
            constraint=models.CheckConstraint(condition=models.Q(('sync_identifier__isnull', True), ('sync_version__isnull', False), _connector='OR'), name='healthkit_sample_sync_version_with_identifier'),
        ),
        migrations.AddField(
            model_name='healthsamplechange',
            name='import_batch',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='healthkit.applehealthimportbatch'),
        ),
        migrations.AddField(
            model_name='healthsamplechange',
            name='owner',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='healthsampledeletion',
            name='import_batch',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='healthkit.applehealthimportbatch'),
        ),
        migrations.AddField(
            model_name='healthsampledeletion',
            name='owner',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='healthsamplechange',
            index=models.Index(fields=['owner', 'id'], name='healthkit_change_owner_id'),
        ),
        migrations.AddConstraint(
            model_name='healthsamplechange',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['upsert', 'delete'])), name='healthkit_change_kind_valid'),
        ),
        migrations.AddIndex(
            model_name='healthsampledeletion',
            index=models.Index(fields=['owner', 'fingerprint'], name='healthkit_deletion_owner_fp'),
        ),
        migrations.AddIndex(
            model_name='healthsampledeletion',
            index=models.Index(fields=['owner', 'sync_identifier'], name='healthkit_deletion_owner_sync'),
        ),
        migrations.AddConstraint(
            model_name='healthsampledeletion',
            constraint=models.UniqueConstraint(fields=('owner', 'healthkit_uuid'), name='healthkit_deletion_owner_uuid_unique'),
        ),
    ]
