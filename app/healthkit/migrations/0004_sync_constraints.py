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
    ]
