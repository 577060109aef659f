"""manage.py create_merchant_user USERNAME MERCHANT_ID: a merchant's staff user, for the pages and the API."""
import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import MerchantMembership
from metrics.models import Merchant


class Command(BaseCommand):
    help = "Create a staff user of a merchant (the merchant must have been ingested). Asks for the password."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("merchant_id")
        parser.add_argument("--password", help="instead of asking (scripts and demos only)")

    def handle(self, *args, username, merchant_id, password=None, **options):
        merchant = Merchant.objects.filter(merchant_id=merchant_id).first()
        if merchant is None:
            raise CommandError(f"no merchant {merchant_id!r}: ingest its merchant_upserted fact first")
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"a user named {username!r} exists already")
        password = password or getpass.getpass(f"Password for {username}: ")
        if not password:
            raise CommandError("a password is required")
        try:
            validate_password(password, User(username=username))
        except ValidationError as exc:
            raise CommandError("the password is too weak: " + " ".join(exc.messages)) from None
        with transaction.atomic():
            user = User.objects.create_user(username=username, password=password)
            MerchantMembership.objects.create(user=user, merchant=merchant)
        self.stdout.write(f"{username} can now sign in at /accounts/login/ and see {merchant_id} only")
