// Stored bytes are content-addressed: a key is `<scope>/<sha256>` (src/storage writes them, the database keeps them).

/** The content hash a key names. */
export const sha256OfStorageKey = (key: string) => key.slice(key.lastIndexOf('/') + 1);
