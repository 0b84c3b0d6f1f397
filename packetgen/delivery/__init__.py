"""Delivery: a made packet printed on a CUPS queue or emailed, encrypted, through the site's relay.

A door around the pipeline (the pipeline never imports it): it takes what `build.make_packet` or a
batch wrote and hands it to real systems.

- `printing.PrintServer`: IPP to CUPS (pycups): the queue checked, a job printed two-sided on the
  layout's media, waited for;
- `passphrase.passphrase_for`: a one-time passphrase of words, or the site's date-of-birth policy;
- `encrypt.encrypt_pdf`: AES-256 (PDF 2.0's V5/R6) with pypdf;
- `message.write_message`: an `Email` → `Written`, the message with no patient data outside the
  encrypted attachment (`message.compose`);
- `outbox`: every email committed to the database before its first attempt, each delivered at most once;
- `relay.Connection`: SMTP with STARTTLS (or implicit TLS), failures sorted into "try again" and "unknown";
- `audit`: an append-only record of every print and email;
- `service`: the recipes the CLI, the batch and the web app call, one per delivery: `email_for` (an
  email and its passphrase, by the site's one policy), `email_packet`, `queue_emails`, `send_queued`,
  `send_due`, `print_packet`, `print_run` (each with its audit line);
- filed consents to the EHR's chart: `chart` (the recipes: `queue_filed`, `send`, `send_due`, `after_scan`),
  `chart_outbox` (the chart's outbox, at most once, retried), `mdm` (HL7 v2 MDM^T02/T10 over MLLP, the ACK
  read back), `fhir_document` (a FHIR R4 DocumentReference POSTed).
"""
