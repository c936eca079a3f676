/** Placeholder: SigningKey. */
export default function SigningKey() {
  return <h1>SigningKey</h1>;
}
