/** Invite links (peerline://add?…): format and parse, the twin of Go's app/invite. */
export { INVITE_SCHEME, MAX_INVITE_LEN, MAX_INVITE_NAME, InviteError, InviteReason, formatInvite, isInviteLink, parseInvite, type Invite } from './invite'
