export namespace api {
	
	export class BlockedView {
	    id: string;
	    name: string;
	    contact: boolean;
	    blockedAt?: number;
	
	    static createFrom(source: any = {}) {
	        return new BlockedView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.contact = source["contact"];
	        this.blockedAt = source["blockedAt"];
	    }
	}
	export class CallIntent {
	    action: string;
	    peer?: string;
	    call?: string;
	    video: boolean;
	
	    static createFrom(source: any = {}) {
	        return new CallIntent(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.action = source["action"];
	        this.peer = source["peer"];
	        this.call = source["call"];
	        this.video = source["video"];
	    }
	}
	export class Capabilities {
	    webrtc: boolean;
	    mediaDevices: boolean;
	    window: string;
	
	    static createFrom(source: any = {}) {
	        return new Capabilities(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.webrtc = source["webrtc"];
	        this.mediaDevices = source["mediaDevices"];
	        this.window = source["window"];
	    }
	}
	export class ContactInput {
	    id: string;
	    name: string;
	    server: string;
	    address: string;
	
	    static createFrom(source: any = {}) {
	        return new ContactInput(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.server = source["server"];
	        this.address = source["address"];
	    }
	}
	export class ContactView {
	    id: string;
	    name: string;
	    announcedName: string;
	    server: string;
	    address: string;
	    favorite: boolean;
	    blocked: boolean;
	    verified: boolean;
	    keyChanged: boolean;
	    newId?: string;
	    online: boolean;
	    lan: boolean;
	
	    static createFrom(source: any = {}) {
	        return new ContactView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.announcedName = source["announcedName"];
	        this.server = source["server"];
	        this.address = source["address"];
	        this.favorite = source["favorite"];
	        this.blocked = source["blocked"];
	        this.verified = source["verified"];
	        this.keyChanged = source["keyChanged"];
	        this.newId = source["newId"];
	        this.online = source["online"];
	        this.lan = source["lan"];
	    }
	}
	export class Diagnosis {
	    lan?: discovery.Diagnosis;
	    servers: Record<string, presence.ServerState>;
	
	    static createFrom(source: any = {}) {
	        return new Diagnosis(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.lan = this.convertValues(source["lan"], discovery.Diagnosis);
	        this.servers = this.convertValues(source["servers"], presence.ServerState, true);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class ParticipantView {
	    peer: string;
	    peerName: string;
	    direction: string;
	    outcome: string;
	    cause?: string;
	    startedAt: number;
	    answeredAt?: number;
	    endedAt?: number;
	    durationMs: number;
	
	    static createFrom(source: any = {}) {
	        return new ParticipantView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.peer = source["peer"];
	        this.peerName = source["peerName"];
	        this.direction = source["direction"];
	        this.outcome = source["outcome"];
	        this.cause = source["cause"];
	        this.startedAt = source["startedAt"];
	        this.answeredAt = source["answeredAt"];
	        this.endedAt = source["endedAt"];
	        this.durationMs = source["durationMs"];
	    }
	}
	export class HistoryEntry {
	    callId: string;
	    peer: string;
	    peerName: string;
	    direction: string;
	    media: string;
	    outcome: string;
	    startedAt: number;
	    answeredAt?: number;
	    endedAt?: number;
	    durationMs: number;
	    error?: string;
	    attempts?: number;
	    group?: string;
	    participants?: ParticipantView[];
	    members?: string[];
	
	    static createFrom(source: any = {}) {
	        return new HistoryEntry(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.callId = source["callId"];
	        this.peer = source["peer"];
	        this.peerName = source["peerName"];
	        this.direction = source["direction"];
	        this.media = source["media"];
	        this.outcome = source["outcome"];
	        this.startedAt = source["startedAt"];
	        this.answeredAt = source["answeredAt"];
	        this.endedAt = source["endedAt"];
	        this.durationMs = source["durationMs"];
	        this.error = source["error"];
	        this.attempts = source["attempts"];
	        this.group = source["group"];
	        this.participants = this.convertValues(source["participants"], ParticipantView);
	        this.members = source["members"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class HistoryPage {
	    entries: HistoryEntry[];
	    next?: string;
	
	    static createFrom(source: any = {}) {
	        return new HistoryPage(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.entries = this.convertValues(source["entries"], HistoryEntry);
	        this.next = source["next"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Me {
	    id: string;
	    short: string;
	    name: string;
	    hubPort: number;
	    version: string;
	
	    static createFrom(source: any = {}) {
	        return new Me(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.short = source["short"];
	        this.name = source["name"];
	        this.hubPort = source["hubPort"];
	        this.version = source["version"];
	    }
	}
	export class MessageView {
	    id: string;
	    from: string;
	    text: string;
	    sentAt: number;
	
	    static createFrom(source: any = {}) {
	        return new MessageView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.from = source["from"];
	        this.text = source["text"];
	        this.sentAt = source["sentAt"];
	    }
	}
	
	export class PeerView {
	    id: string;
	    name: string;
	    online: boolean;
	    lan: boolean;
	    contact: boolean;
	    favorite: boolean;
	    blocked: boolean;
	    verified: boolean;
	    keyChanged: boolean;
	
	    static createFrom(source: any = {}) {
	        return new PeerView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.online = source["online"];
	        this.lan = source["lan"];
	        this.contact = source["contact"];
	        this.favorite = source["favorite"];
	        this.blocked = source["blocked"];
	        this.verified = source["verified"];
	        this.keyChanged = source["keyChanged"];
	    }
	}

}

export namespace browser {
	
	export class Window {
	    program: string;
	    appMode: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Window(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.program = source["program"];
	        this.appMode = source["appMode"];
	    }
	}

}

export namespace calls {
	
	export class Info {
	    id: string;
	    peer: string;
	    peerName: string;
	    direction: number;
	    media: string[];
	    state: number;
	    outcome?: number;
	    reason?: string;
	    cause?: string;
	    verified: boolean;
	    sameNameAs?: string;
	    autoAccept?: boolean;
	    safetyCode?: string;
	    group?: string;
	    members?: string[];
	    // Go type: time
	    startedAt: any;
	    // Go type: time
	    connectedAt?: any;
	    // Go type: time
	    endedAt?: any;
	
	    static createFrom(source: any = {}) {
	        return new Info(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.peer = source["peer"];
	        this.peerName = source["peerName"];
	        this.direction = source["direction"];
	        this.media = source["media"];
	        this.state = source["state"];
	        this.outcome = source["outcome"];
	        this.reason = source["reason"];
	        this.cause = source["cause"];
	        this.verified = source["verified"];
	        this.sameNameAs = source["sameNameAs"];
	        this.autoAccept = source["autoAccept"];
	        this.safetyCode = source["safetyCode"];
	        this.group = source["group"];
	        this.members = source["members"];
	        this.startedAt = this.convertValues(source["startedAt"], null);
	        this.connectedAt = this.convertValues(source["connectedAt"], null);
	        this.endedAt = this.convertValues(source["endedAt"], null);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Incoming {
	    call: Info;
	    offer: string;
	    candidates?: signaling.Candidate[];
	    endOfCandidates?: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Incoming(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.call = this.convertValues(source["call"], Info);
	        this.offer = source["offer"];
	        this.candidates = this.convertValues(source["candidates"], signaling.Candidate);
	        this.endOfCandidates = source["endOfCandidates"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace discovery {
	
	export class Diagnosis {
	    reason: number;
	    detail: string;
	    interfaces: string[];
	    missing?: string[];
	    heardSelf: boolean;
	    announced: number;
	    unreachable: number;
	    online: number;
	
	    static createFrom(source: any = {}) {
	        return new Diagnosis(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.reason = source["reason"];
	        this.detail = source["detail"];
	        this.interfaces = source["interfaces"];
	        this.missing = source["missing"];
	        this.heardSelf = source["heardSelf"];
	        this.announced = source["announced"];
	        this.unreachable = source["unreachable"];
	        this.online = source["online"];
	    }
	}

}

export namespace dnd {
	
	export class Status {
	    on: boolean;
	    // Go type: time
	    until?: any;
	
	    static createFrom(source: any = {}) {
	        return new Status(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.on = source["on"];
	        this.until = this.convertValues(source["until"], null);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace files {
	
	export class Transfer {
	    id: string;
	    name: string;
	    size: number;
	    received: number;
	    path: string;
	
	    static createFrom(source: any = {}) {
	        return new Transfer(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.size = source["size"];
	        this.received = source["received"];
	        this.path = source["path"];
	    }
	}

}

export namespace presence {
	
	export class ServerState {
	    connected: boolean;
	    error?: string;
	
	    static createFrom(source: any = {}) {
	        return new ServerState(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.connected = source["connected"];
	        this.error = source["error"];
	    }
	}

}

export namespace signaling {
	
	export class Candidate {
	    candidate: string;
	    sdpMid?: string;
	    sdpMLineIndex?: number;
	    usernameFragment?: string;
	
	    static createFrom(source: any = {}) {
	        return new Candidate(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.candidate = source["candidate"];
	        this.sdpMid = source["sdpMid"];
	        this.sdpMLineIndex = source["sdpMLineIndex"];
	        this.usernameFragment = source["usernameFragment"];
	    }
	}
	export class ICEServer {
	    urls: string[];
	    username?: string;
	    credential?: string;
	
	    static createFrom(source: any = {}) {
	        return new ICEServer(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.urls = source["urls"];
	        this.username = source["username"];
	        this.credential = source["credential"];
	    }
	}

}

export namespace store {
	
	export class ICEServer {
	    urls: string[];
	    username: string;
	    credential: string;
	
	    static createFrom(source: any = {}) {
	        return new ICEServer(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.urls = source["urls"];
	        this.username = source["username"];
	        this.credential = source["credential"];
	    }
	}
	export class SignalingServer {
	    url: string;
	    token: string;
	
	    static createFrom(source: any = {}) {
	        return new SignalingServer(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.url = source["url"];
	        this.token = source["token"];
	    }
	}
	export class Settings {
	    displayName: string;
	    signalingServers: SignalingServer[];
	    iceServers: ICEServer[];
	    disableLanDiscovery: boolean;
	    listenLanWithoutDiscovery: boolean;
	    discoveryInterfaces: string[];
	    camera: string;
	    microphone: string;
	    speaker: string;
	    ringTimeoutSeconds: number;
	    theme: number;
	    quitOnClose: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Settings(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.displayName = source["displayName"];
	        this.signalingServers = this.convertValues(source["signalingServers"], SignalingServer);
	        this.iceServers = this.convertValues(source["iceServers"], ICEServer);
	        this.disableLanDiscovery = source["disableLanDiscovery"];
	        this.listenLanWithoutDiscovery = source["listenLanWithoutDiscovery"];
	        this.discoveryInterfaces = source["discoveryInterfaces"];
	        this.camera = source["camera"];
	        this.microphone = source["microphone"];
	        this.speaker = source["speaker"];
	        this.ringTimeoutSeconds = source["ringTimeoutSeconds"];
	        this.theme = source["theme"];
	        this.quitOnClose = source["quitOnClose"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

