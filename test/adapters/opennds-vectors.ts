// Redirects captured from Debian's openNDS 9.10, shared by the adapter and portal tests.

// Redirects captured from Debian's openNDS 9.10 (faskey s3cretkey123, gatewayname
// portico-test, guest f6:31:57:d7:87:62 at 10.231.77.115). For level 1, openNDS itself
// accepted tok=sha256(hid + faskey) below; level 2 was encrypted by its php-cli call.
/** FASKEY is the faskey the captured redirects were made with. */
export const FASKEY = 's3cretkey123';
/** LEVEL1_FAS is a level 1 `fas` value. */
export const LEVEL1_FAS =
  'aGlkPTg1YjE1MDk1NWE2ZmJhNjlmMTAyNGJjMzNkZWM0NjU5MGVjYzBlYWI0NDQ4NWYwMjE0OTI1YmU1OGIxZDg1MjgsIGNsaWVudGlwPTEwLjIzMS43Ny4xMTUsIGNsaWVudG1hYz1mNjozMTo1NzpkNzo4Nzo2MiwgY2xpZW50X3R5cGU9Y3BkX2NhbiwgZ2F0ZXdheW5hbWU9cG9ydGljby10ZXN0JTIwTm9kZSUzYTQyMDIwY2RiMTUzZCUyMCwgZ2F0ZXdheXVybD1odHRwJTNhJTJmJTJmc3RhdHVzLmNsaWVudCwgdmVyc2lvbj05LjEwLjAsIGdhdGV3YXlhZGRyZXNzPTEwLjIzMS43Ny4xOjIwNTAsIGdhdGV3YXltYWM9NDIwMjBjZGIxNTNkLCBvcmlnaW51cmw9aHR0cCUzYSUyZiUyZjE5Mi4wLjIuMSUyZiwgY2xpZW50aWY9bGFuMCwgdGhlbWVzcGVjPShudWxsKSwgKG51bGwpKG51bGwpKG51bGwpKG51bGwp';
/** LEVEL1_HID is the hid inside LEVEL1_FAS. */
export const LEVEL1_HID = '85b150955a6fba69f1024bc33dec46590ecc0eab44485f0214925be58b1d8528';
/** LEVEL1_RHID is sha256(LEVEL1_HID + FASKEY), which openNDS accepted as `tok`. */
export const LEVEL1_RHID = 'cf96be0d9f5a4ae08e75746ca39220ded81695b7874e0907cfd152d4d181eaa2';
/** LEVEL2_FAS is a level 2 `fas` value, encrypted by openNDS's php-cli call. */
export const LEVEL2_FAS =
  'OFM1LytjNVJ6UmpsSU5EeGpPRjZCcldTM2tXRk1QSS82dEFxRXRlbVU3aStOaUVXc0h2YzZZZ0pzMUlwNjBZdzNmWXF1cmRoU2ZQUjRmS1hVR0grazFWWW1TT1VwekRsUHo2N2ZjbFBQZ0JPeHV6a1EvMndMd2V2R0w4Y2JqcldxeFVBZ0xJUlJmUnJhUldvbnkvWGxBdTBMamRTaWtLOG9WdWJmL0xDRFRkNjZuUUpNbkJzZHh4cXI5OVNiVnVRK3FIc0IwUUdtZEsyQzhlWDB6dEY3WTJIbGw2MjRWdEIyL1VWQTRGKy9CbDkzMC9NellCOCtJWnJJOUVJQmZZYndqL1cvZUQ2Ry9LTW5QSVN1VmcrSTdLbEwyaG9iSExrNjdIaCtKREZnWGc1Q3lLdWFwc2tkVGk0aUhIcHFSRnNpbWZZMUxmMnBaR1lFUFFjV1FLU081a2VyNFFrZ2RyTk8vdGpka3MwQUdZbGlCSzBxR3hvQlV4TjZYMWFBTWlGa3BkczA0QUxEYWlKZlRFU2dOQUpXa3lKdjMrczVwcW5GRzlRWGFTdFlnaE1JN3ptaVZwMlhCWCtObU1yN0g1UFpUZHhTZlpVcXk5ajhIQkdqRE5NVnZJaDYzZ3dpL2k2bFRCWS9wRkcwOHAxK0srZEdZYmp5TENiR0EyNSt5QjBIaU4zb3VaOXMyWU9BMXpYM0U4eFdzcHJVKy9INFF4Q1lFbWhMYmRJdGdtRmppeVdUSVFDK1ZzYXVuK1Zkb0ZWWGgwTGI4RjlMOGxwRGpqT2tPMm91UT09';
/** LEVEL2_IV is the `iv` that came with LEVEL2_FAS. */
export const LEVEL2_IV = 'ac3c0563213012e2';
