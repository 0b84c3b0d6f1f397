"""What a packet says in each language beside the content: the labels (`labels`), the
interpreter taglines (`taglines`) and right-to-left text in drawing order (`direction`)."""
