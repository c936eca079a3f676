/** Placeholder: AuthCallback. */
export default function AuthCallback() {
  return <h1>AuthCallback</h1>;
}
