/** Texts of the signin pages. */
export const signin = {
  title: 'signin',
};
export type SigninMessages = typeof signin;
