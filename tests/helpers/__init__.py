"""What tests share: the test site's constants, reading PDFs, test servers, web and mail clients.

Imported by tests and fixtures alike; conftest files hold only fixtures."""
