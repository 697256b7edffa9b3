/** Saves a response body as a file the person downloads (NDJSON audit export, GDPR export). */
export async function saveResponse(response: Response, filename: string): Promise<number> {
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later: some browsers read the blob after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return blob.size;
}
