/** cimc's version, recorded in plans. Kept in step with package.json by a test. */
export const cimcVersion = '0.1.0';
